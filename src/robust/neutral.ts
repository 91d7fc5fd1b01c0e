// The platform-neutral part of VARMAT robust training (the main entry exports it as vm.robust):
// the probe, the regularizer's aggregation, the VARMAT/Avg step and the report builder. The
// trainer and the memory-bank files need Node (varmat/node).
export { probe, inputProbe, type ProbeForm, type ProbeOptions, type InputProbeOptions } from './probe.js';
export { budgetShares, sharedBudget, type BudgetAllocation } from './budget-allocation.js';
export { aggregateVulnerability, type Aggregation } from './aggregate.js';
export { robustStep, type AtMethod, type VarmatSpace, type RobustStepOptions, type RobustStepResult } from './robust-step.js';
export { buildReport, reportHtml, reportMarkdown, type ReportRun, type RobustReport } from './report.js';
export { meanVulnerability } from './test-vulnerability.js';
export { summarizeCells, pairedGains, experimentMarkdown, stat, type ExperimentCell, type ExperimentRow, type ExperimentGain, type Stat } from './experiment-table.js';
