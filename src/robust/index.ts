// VARMAT robust training (VARMAT.md 3-4): the vulnerability probe, the regularizer, the VARMAT/Avg training step.
export { probe, type ProbeForm, type ProbeOptions } from './probe.js';
export { aggregateVulnerability, type Aggregation } from './aggregate.js';
export { robustStep, type AtMethod, type RobustStepOptions, type RobustStepResult } from './robust-step.js';
export { trainRobust, robustValidation, type RobustTrainOptions, type RobustTrainResult, type RobustEpochRecord } from './train-robust.js';
export { saveBanks, loadBanks, attackBanks } from './bank-file.js';
export { buildReport, reportHtml, reportMarkdown, type ReportRun, type RobustReport } from './report.js';
