import type { PlaywrightPage } from './browser.ts';
import { DayPickError } from '../errors.ts';

/**
 * The day picker: a native date input, an Element UI date editor (what the real page uses), or a
 * text input that asks for a date or a day.
 */
export const DAY_PICKER_SELECTOR = 'input[type="date"], .el-date-editor input, input[placeholder*="date" i], input[placeholder*="day" i]';

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const OPEN_PANEL = '.el-picker-panel:visible';
// Element UI's calendar panel: the "YYYY Month" header (one label, or a year and a month label) and the day cells
const READ_PANEL_HEADER = `[...document.querySelectorAll('.el-picker-panel')].filter((panel) => panel.offsetParent !== null)
  .map((panel) => [...panel.querySelectorAll('.el-date-picker__header-label')].map((label) => label.textContent).join(' ')).join(' ')`;
const DAY_CELLS = `${OPEN_PANEL} table.el-date-table td.available:not(.prev-month):not(.next-month):not(.disabled)`;

/** The month a header such as "2025 September", "2025 Sep", "2025 年 9 月" or "2025-09" shows, as year x 12 + month index. */
export function monthOfHeader(text: string): number | undefined {
  const year = /\b(\d{4})\b/.exec(text)?.[1];
  if (!year) return undefined;
  const rest = text.replace(year, ' ').toLowerCase();
  const named = MONTHS.findIndex((name) => new RegExp(`\\b${name.slice(0, 3)}`).test(rest));
  const numbered = /\b(\d{1,2})\b/.exec(rest)?.[1];
  const month = named >= 0 ? named : numbered ? Number(numbered) - 1 : -1;
  return month >= 0 && month < 12 ? Number(year) * 12 + month : undefined;
}

/**
 * Whether a picker's text shows `date` (`YYYY-MM-DD`): its year, its day of the month and its
 * month (by name or by number), in any order or format ("2025-09-05", "Sep 5, 2025", "05/09/2025").
 */
export function showsDate(value: string, date: string): boolean {
  const [year, month, day] = date.split('-').map(Number);
  const words = value.toLowerCase().match(/[a-z]+/g) ?? [];
  const numbers = (value.match(/\d+/g) ?? []).map(Number);
  const names = words.map((word) => MONTHS.findIndex((name) => word.length >= 3 && name.startsWith(word))).filter((index) => index >= 0);
  if (!numbers.includes(year) || names.some((index) => index !== month - 1)) return false;
  const rest = numbers.filter((_, index) => index !== numbers.indexOf(year));
  return names.length > 0
    ? rest.length === 1 && rest[0] === day
    : rest.length === 2 && rest.includes(month) && rest.includes(day) && (month === day || rest[0] !== rest[1]);
}

async function pickInCalendar(page: PlaywrightPage, date: string, timeoutMs: number): Promise<boolean> {
  const input = page.locator('.el-date-editor input').first();
  if ((await input.count()) === 0) return false;
  await input.click({ timeout: timeoutMs });
  try {
    await page
      .locator(`${OPEN_PANEL} .el-date-table`)
      .first()
      .waitFor({ state: 'visible', timeout: Math.min(timeoutMs, 5000) });
  } catch {
    return false;
  }
  const [year, month, day] = date.split('-').map(Number);
  const target = year * 12 + month - 1;
  // month by month, as a person does; the header is read again after every step
  for (let steps = 0; steps < 1200; steps += 1) {
    const shown = monthOfHeader(await page.evaluate<string>(READ_PANEL_HEADER));
    if (shown === undefined)
      throw new DayPickError(`the calendar's header "${await page.evaluate<string>(READ_PANEL_HEADER)}" names no month`);
    if (shown === target) {
      await page
        .locator(DAY_CELLS)
        .filter({ hasText: new RegExp(`^\\s*${day}\\s*$`) })
        .first()
        .click({ timeout: timeoutMs });
      return true;
    }
    // a year at a time while a year or more away (Element UI's double arrows), then month by month
    const arrow = `${Math.abs(target - shown) >= 12 ? 'd-' : ''}arrow-${shown < target ? 'right' : 'left'}`;
    await page.locator(`${OPEN_PANEL} .el-icon-${arrow}`).first().click({ timeout: timeoutMs });
  }
  throw new DayPickError(`the calendar never reached ${date}`);
}

/** An older version of the page: one button per day, such as "Sat, Sep 6". */
async function pickDayButton(page: PlaywrightPage, date: string, timeoutMs: number): Promise<boolean> {
  const label = new Date(`${date}T12:00:00Z`).toLocaleDateString('en-US', {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
  const button = page
    .locator('button')
    .filter({ hasText: new RegExp(`^\\s*${label}\\s*$`) })
    .first();
  if ((await button.count()) === 0) return false;
  await button.click({ timeout: timeoutMs });
  return true;
}

async function typeDay(page: PlaywrightPage, date: string, timeoutMs: number): Promise<boolean> {
  const input = page.locator(DAY_PICKER_SELECTOR).first();
  if ((await input.count()) === 0 || !(await input.isEditable({ timeout: timeoutMs }))) return false;
  await input.fill(date, { timeout: timeoutMs });
  await input.press('Enter', { timeout: timeoutMs });
  return true;
}

/**
 * Picks `date` as a person does: in the calendar panel (month by month, then the day cell), else a
 * button of that day, else by typing where the input takes typing; then checks that the picker shows
 * that day. Throws DayPickError, naming what the picker shows, when it does not.
 */
export async function pickDay(page: PlaywrightPage, date: string, timeoutMs: number): Promise<void> {
  const picked =
    (await pickInCalendar(page, date, timeoutMs)) || (await pickDayButton(page, date, timeoutMs)) || (await typeDay(page, date, timeoutMs));
  if (!picked) throw new DayPickError(`found no way to pick ${date}: no calendar, day button or input that takes typing`);
  const input = page.locator(DAY_PICKER_SELECTOR).first();
  if ((await input.count()) === 0) return;
  const shown = await input.inputValue({ timeout: timeoutMs });
  if (!showsDate(shown, date)) throw new DayPickError(`the day picker shows "${shown}" after picking ${date}`);
}
