export interface Inspection {
  overflow: string[];
  backticks: number;
  markdown: string[];
  images: string[];
  links: string[];
  headings: string[];
  width: number;
}
export function summaryPage(markdown: string): string;
export function findChromium(): string | undefined;
export function inspectPage(htmlPath: string, width?: number): Inspection;
export function screenshot(
  htmlPath: string,
  pngPath: string,
  options?: { width?: number; height?: number; open?: boolean },
): void;
