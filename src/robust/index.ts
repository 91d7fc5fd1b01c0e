// VARMAT robust training (VARMAT.md 3-4): the vulnerability probe, the regularizer, the VARMAT/Avg training step.
export { probe, inputProbe, type ProbeForm, type ProbeOptions, type InputProbeOptions } from './probe.js';
export { budgetShares, sharedBudget, type BudgetAllocation } from './budget-allocation.js';
export { aggregateVulnerability, type Aggregation } from './aggregate.js';
export { robustStep, type AtMethod, type VarmatSpace, type RobustStepOptions, type RobustStepResult } from './robust-step.js';
export { trainRobust, robustValidation, type RobustTrainOptions, type RobustTrainResult, type RobustEpochRecord } from './train-robust.js';
export { saveBanks, loadBanks, attackBanks } from './bank-file.js';
export { buildReport, reportHtml, reportMarkdown, type ReportRun, type RobustReport } from './report.js';
export { meanVulnerability } from './test-vulnerability.js';
export { runExperiment, readCells, describeProtocol, cellName, EXPERIMENT_ATTACKS, type ExperimentProtocol, type ExperimentOptions, type ExperimentResult, type ExperimentAttack } from './experiment.js';
export { summarizeCells, pairedGains, experimentMarkdown, stat, type ExperimentCell, type ExperimentRow, type ExperimentGain, type Stat } from './experiment-table.js';
