// The platform-neutral part of VARMAT robust training (the main entry exports it as vm.robust):
// the probe, the regularizer's aggregation, the VARMAT/Avg step and the report builder. The
// trainer and the memory-bank files need Node (varmat/node).
export { probe, type ProbeForm, type ProbeOptions } from './probe.js';
export { aggregateVulnerability, type Aggregation } from './aggregate.js';
export { robustStep, type AtMethod, type RobustStepOptions, type RobustStepResult } from './robust-step.js';
export { buildReport, reportHtml, reportMarkdown, type ReportRun, type RobustReport } from './report.js';
