import type { WideColumn } from './csv-writer.js';

/** Text inside a SAS or R quoted string: quotes doubled/escaped, no line breaks. */
const sasText = (s: string) => s.replace(/[\r\n]+/g, ' ').replace(/'/g, "''");
const rText = (s: string) =>
  s
    .replace(/[\r\n]+/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"');

/** A single choice reads as a SAS format or R factor; a multichoice cell ("1,3") stays text. */
const isCoded = (c: WideColumn): boolean => c.field.choices !== undefined && c.field.type === 'choice';

function isNumeric(c: WideColumn): boolean {
  return c.field.type === 'integer' || c.field.type === 'decimal' || c.field.type === 'boolean';
}

/** A SAS data step reading the wide CSV: informats for dates, labels, and formats for choices. */
function sasProgram(file: string, columns: readonly WideColumn[]): string {
  const formats = columns.filter(isCoded).map((c) => {
    const values = (c.field.choices ?? [])
      .map((x) => `    '${sasText(x.code)}' = '${sasText(x.label)}'`)
      .join('\n');
    return `  value $${c.name.slice(0, 28)}F\n${values};`;
  });
  const input = columns.map((c) => {
    if (c.field.type === 'date') return `    ${c.name} :yymmdd10.`;
    if (isNumeric(c)) return `    ${c.name}`;
    return `    ${c.name} :$200.`;
  });
  const dateFormats = columns.filter((c) => c.field.type === 'date').map((c) => c.name);
  return [
    `/* Reads ${file} (TrialVault export) with labels and formats. */`,
    formats.length > 0 ? `proc format;\n${formats.join('\n')}\nrun;` : '',
    'data export;',
    `  infile '${sasText(file)}' dsd firstobs=2 lrecl=1000000 truncover encoding='utf-8';`,
    '  input SUBJECT :$32. SITE :$32. EVENT :$64.',
    `${input.join('\n')};`,
    dateFormats.length > 0 ? `  format ${dateFormats.join(' ')} yymmdd10.;` : '',
    ...columns.filter(isCoded).map((c) => `  format ${c.name} $${c.name.slice(0, 28)}F.;`),
    '  label',
    "    SUBJECT = 'Subject'",
    "    SITE = 'Site'",
    "    EVENT = 'Event'",
    ...columns.map(
      (c) => `    ${c.name} = '${sasText(c.field.label + (c.field.unit ? ` (${c.field.unit})` : ''))}'`,
    ),
    '  ;',
    'run;',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** An R script reading the wide CSV with types, labels (attr "label") and factors for choices. */
function rProgram(file: string, columns: readonly WideColumn[]): string {
  const classes = columns.map((c) => `  ${c.name} = "${isNumeric(c) ? 'numeric' : 'character'}"`);
  const lines = [
    `# Reads ${file} (TrialVault export) with labels and factors.`,
    `export <- read.csv("${rText(file)}", na.strings = "", stringsAsFactors = FALSE, colClasses = c(`,
    '  SUBJECT = "character", SITE = "character", EVENT = "character",',
    `${classes.join(',\n')}))`,
  ];
  for (const c of columns) {
    if (c.field.type === 'date') lines.push(`export$${c.name} <- as.Date(export$${c.name})`);
    if (isCoded(c) && c.field.choices !== undefined) {
      const codes = c.field.choices.map((x) => `"${rText(x.code)}"`).join(', ');
      const labels = c.field.choices.map((x) => `"${rText(x.label)}"`).join(', ');
      lines.push(`export$${c.name} <- factor(export$${c.name}, levels = c(${codes}), labels = c(${labels}))`);
    }
    lines.push(`attr(export$${c.name}, "label") <- "${rText(c.field.label)}"`);
  }
  return `${lines.join('\n')}\n`;
}

export function statisticsPrograms(file: string, columns: readonly WideColumn[]) {
  return [
    { extension: 'sas', text: sasProgram(file, columns) },
    { extension: 'R', text: rProgram(file, columns) },
  ];
}
