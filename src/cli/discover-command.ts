import { count, lastValueFrom, tap } from 'rxjs';
import type { Argv } from 'yargs';
import { assertBrowserAvailable } from '../discovery/browser.ts';
import { shortDayWarnings, type DayReading } from '../discovery/completeness.ts';
import { InputError } from '../errors.ts';
import type { FrameRef } from '../items.ts';
import { assertBaseUrl } from '../operators/build-urls.ts';
import { dateRange } from '../sources/date-range.ts';
import { discoverFrames, historyPageUrl } from '../sources/discover-frames.ts';
import { ExitCode } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { createLogger, type LogOptions } from './logger.ts';
import { browserOptionsOf, cameraOptions, dateRangeOptions, historyPageOptions } from './option-groups.ts';
import { printSummary } from './summary.ts';
import { plural } from '../report/format.ts';
import { DEFAULTS } from '../settings.ts';
import { frameUrls } from '../frame/layout.ts';

export function discoverOptions<T>(yargs: Argv<T>) {
  return historyPageOptions(cameraOptions(dateRangeOptions(yargs))).option('base-url', {
    type: 'string',
    default: DEFAULTS.baseUrl,
    describe: 'CDN the printed frame URLs point at',
  });
}

type DiscoverArgs = Awaited<ReturnType<typeof discoverOptions>['argv']> & LogOptions;

/** `draydog discover`: the real frame times of a date range, read from the history pages, as a frames file on stdout. */
export async function discover(args: DiscoverArgs, io: CliIo): Promise<number> {
  if (!args.from) throw new InputError('missing --from: give a first date (YYYY-MM-DD)');
  const { streams = DEFAULTS.streams, terminal } = args;
  const baseUrl = assertBaseUrl(args.baseUrl);
  const dates = dateRange(args.from, args.to ?? args.from);
  const browser = browserOptionsOf(args, io.env);
  const readings: DayReading[] = [];
  const discovering = discoverFrames({ streams, terminal, pageUrl: args.pageUrl, browser, onDayRead: (reading) => readings.push(reading) });
  const logger = createLogger(io, args);
  const executable = await assertBrowserAvailable(browser); // exit 2 before anything is written
  logger.info({ browser: executable, page: historyPageUrl(args.pageUrl, terminal, streams[0]) }, 'reading the camera history pages');

  io.stdout.write(
    `# draydog discover --from ${args.from} --to ${args.to ?? args.from} --streams ${streams.join(',')} --terminal ${terminal}\n`,
  );
  const perStream = new Map<string, number>(streams.map((stream) => [stream, 0]));
  let day: { date: string; frames: number } | undefined;
  const dayDone = () => day && logger.info({ date: day.date, frames: day.frames }, `discovered ${day.frames} frames on ${day.date}`);
  const frames = await lastValueFrom(
    dates.pipe(
      discovering,
      tap(({ frame }: { frame: FrameRef }) => {
        if (day?.date !== frame.date) {
          dayDone();
          day = { date: frame.date, frames: 0 };
        }
        day.frames += 1;
        perStream.set(frame.stream, (perStream.get(frame.stream) ?? 0) + 1);
        io.stdout.write(`${frameUrls(frame, baseUrl).full}\n`);
      }),
      count(),
    ),
  );
  dayDone();
  const days = await lastValueFrom(dates.pipe(count()));
  const byStream = [...perStream].map(([stream, n]) => `${stream} ${n}`).join(', ');
  printSummary(io, logger, `Discovered ${plural(frames, 'frame')} on ${plural(days, 'day')} (${byStream})`, {
    frames,
    days,
    perStream: Object.fromEntries(perStream),
  });
  for (const { level, message } of shortDayWarnings(readings)) logger[level](message);
  // the frames file of a day listed short is not the whole day
  return readings.some(({ status }) => status === 'incomplete') ? ExitCode.framesFailed : ExitCode.ok;
}
