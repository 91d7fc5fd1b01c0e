/**
 * `varmat train --at varmat|avg`: VARMAT or Avg fast adversarial training (VARMAT.md 4-5, 7).
 *
 *   varmat train --at varmat --attack fgsm-rs --eps 0.01 --data avmnist-synth --epochs N --out runs/NAME
 *
 * Every option of the clean `varmat train` (data, model, seed, backend, --lr, --weight-decay,
 * --resume, ...) applies too; the adversarial-training flags are parsed here and the rest by
 * `parseTrainArgs`. Ctrl-C stops after the current step and saves; `--resume` continues exactly
 * (the fast-AT memory banks are saved and restored).
 */

import type { JsonValue } from '../checkpoint/checkpoint.js';
import { readCheckpoint } from '../checkpoint/checkpoint.js';
import { buildModel, modelSpecFor } from '../train/model-factory.js';
import { formatDuration } from '../train/progress.js';
import { fgsmEp, fgsmMep, fgsmPco, fgsmRs, type FastAtAttack } from '../attacks/fast-at/index.js';
import { trainRobust } from '../robust/train-robust.js';
import type { RobustStepOptions } from '../robust/robust-step.js';
import { parseTrainArgs, initBackend, type TrainArgs } from './train-command.js';
import { flagReader } from './flag-reader.js';
import { loadTrainData } from './load-train-data.js';
import { badOption } from './option-error.js';
import { progressPrinter } from './progress-printer.js';
import { abortOnSigint } from './sigint-abort.js';

const USAGE = `usage: varmat train --at varmat|avg --data NAME --out DIR [options]
  --at varmat|avg          VARMAT (adversarial CE + alpha * probe penalty) or the Avg baseline (no penalty)
  --attack NAME            fgsm-rs (default), fgsm-ep, fgsm-mep, fgsm-pco (latent L2, the authors' form)
  --preset faithful        the authors' settings (the defaults below): eps 0.01, alpha 1000, sum, gradient probe,
                           Adam lr 8e-4 wd 1e-3, batch 40, PGD-10 at eps 0.2 for validation and test
  --eps X                  training budget, relative to ||z_m||, split 1/K (default 0.01)
  --alpha X                regularizer weight on batch-mean CE gradients (default 1000)
  --aggregate sum|max|softmax  how V is combined over modalities (default sum) ; --temperature T (softmax, default 1)
  --probe gradient|dual    V = ||g||_2 (default) or r_m ||g||_2
  --hidden-extra-gradient  add the authors' accidental CE at the attack start point (fusion + head only; off by default)
  --budget equal|vulnerability  split the training budget 1/K (default, faithful) or W_m = mean V_m / sum_k mean V_k
  --space latent|input     probe and attack the encoder's latents (default, faithful) or the raw inputs (input-space
                           VARMAT: the penalty then trains the encoder too) ; --input-range LO,HI clips adversarial inputs
  --ep-gamma X             FGSM-EP step in radii (default 1) ; --pco-gamma X (default 2) ; --mep-mu X (default 0.3)
  --eval-eps X --eval-steps N   validation/test PGD (default 0.2, 10)
  --eval-batch-size N      default 100
  --init FILE              start from these weights (a checkpoint of the same model, e.g. a clean run's
                           best.safetensors): adversarial fine-tuning, as the authors' "PreAttack" checkpoints suggest
  and every option of the clean 'varmat train' (--data, --model, --epochs, --batch-size, --seed, --backend,
  --lr, --weight-decay, --resume, --modalities, --train/--val/--test sizes, ...; see varmat train --help)`;

/** Parsed options of `varmat train --at ...`. */
export interface VarmatTrainArgs {
  base: TrainArgs;
  attack: 'fgsm-rs' | 'fgsm-ep' | 'fgsm-mep' | 'fgsm-pco';
  eps: number;
  step: Omit<RobustStepOptions, 'rng' | 'noise'>;
  epGamma: number;
  pcoGamma: number;
  mepMu: number;
  evalEps: number;
  evalSteps: number;
  evalBatchSize: number;
  /** Checkpoint whose weights the model starts from (null: fresh initialisation). */
  init: string | null;
}

function bad(flag: string, expected: string, received: string | undefined): never {
  return badOption('varmat train', flag, expected, received);
}

/**
 * Parses the arguments (exported for tests).
 *
 * @example
 * parseVarmatTrainArgs(['--at', 'avg', '--attack', 'fgsm-ep', '--data', 'avmnist-synth', '--out', 'runs/a']).attack; // 'fgsm-ep'
 */
export function parseVarmatTrainArgs(args: readonly string[]): VarmatTrainArgs {
  const rest: string[] = [];
  let at: 'varmat' | 'avg' | undefined;
  let attack: VarmatTrainArgs['attack'] = 'fgsm-rs';
  const r = { eps: 0.01, alpha: 1000, temperature: 1, epGamma: 1, pcoGamma: 2, mepMu: 0.3, evalEps: 0.2, evalSteps: 10, evalBatchSize: 100 };
  let aggregate: 'sum' | 'max' | 'softmax' = 'sum';
  let probeForm: 'gradient' | 'dual' = 'gradient';
  let hidden = false;
  let budget: 'equal' | 'vulnerability' = 'equal';
  let space: 'latent' | 'input' = 'latent';
  let ranges: [number, number] | undefined;
  let init: string | null = null;
  for (const cursor = { i: 0 }; cursor.i < args.length; cursor.i++) {
    const flag = args[cursor.i];
    const { value, num } = flagReader(args, cursor, flag, bad);
    switch (flag) {
      case '--at': {
        const v = value();
        if (v !== 'varmat' && v !== 'avg') bad(flag, "'varmat' or 'avg'", v);
        at = v;
        break;
      }
      case '--attack': {
        const v = value();
        if (!['fgsm-rs', 'fgsm-ep', 'fgsm-mep', 'fgsm-pco'].includes(v)) bad(flag, "'fgsm-rs', 'fgsm-ep', 'fgsm-mep' or 'fgsm-pco'", v);
        attack = v as VarmatTrainArgs['attack'];
        break;
      }
      case '--preset': {
        const v = value();
        if (v !== 'faithful') bad(flag, "'faithful'", v);
        break; // the defaults are the faithful preset
      }
      case '--eps': r.eps = num(); break;
      case '--alpha': r.alpha = num(); break;
      case '--temperature': r.temperature = num(); break;
      case '--aggregate': {
        const v = value();
        if (v !== 'sum' && v !== 'max' && v !== 'softmax') bad(flag, "'sum', 'max' or 'softmax'", v);
        aggregate = v;
        break;
      }
      case '--probe': {
        const v = value();
        if (v !== 'gradient' && v !== 'dual') bad(flag, "'gradient' or 'dual'", v);
        probeForm = v;
        break;
      }
      case '--hidden-extra-gradient': hidden = true; break;
      case '--budget': {
        const v = value();
        if (v !== 'equal' && v !== 'vulnerability') bad(flag, "'equal' or 'vulnerability'", v);
        budget = v;
        break;
      }
      case '--space': {
        const v = value();
        if (v !== 'latent' && v !== 'input') bad(flag, "'latent' or 'input'", v);
        space = v;
        break;
      }
      case '--input-range': {
        const v = value();
        const [lo, hi] = v.split(',').map(Number);
        if (v.split(',').length !== 2 || !Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) bad(flag, 'LO,HI with LO < HI (e.g. 0,1)', v);
        ranges = [lo, hi];
        break;
      }
      case '--ep-gamma': r.epGamma = num(); break;
      case '--pco-gamma': r.pcoGamma = num(); break;
      case '--mep-mu': r.mepMu = num(); break;
      case '--eval-eps': r.evalEps = num(); break;
      case '--eval-steps': r.evalSteps = num(); break;
      case '--eval-batch-size': r.evalBatchSize = Math.max(1, Math.floor(num())); break;
      case '--init': init = value(); break;
      default: rest.push(flag);
    }
  }
  if (at === undefined) bad('--at', "'varmat' or 'avg'", undefined);
  if (ranges !== undefined && space !== 'input') bad('--input-range', "--space input (latents have no valid range)", `--space ${space}`);
  if (space === 'input' && hidden) bad('--hidden-extra-gradient', "--space latent (it reproduces an artifact of the authors' latent code)", '--space input');
  if (space === 'input' && probeForm !== 'gradient') bad('--probe', "gradient with --space input", probeForm);
  return {
    base: parseTrainArgs(rest), attack, eps: r.eps,
    step: { at, alpha: r.alpha, aggregate, temperature: r.temperature, probeForm, eps: r.eps, hiddenExtraGradient: hidden,
      ...(budget !== 'equal' ? { budget } : {}), ...(space !== 'latent' ? { space } : {}), ...(ranges ? { ranges } : {}) },
    epGamma: r.epGamma, pcoGamma: r.pcoGamma, mepMu: r.mepMu, evalEps: r.evalEps, evalSteps: r.evalSteps, evalBatchSize: r.evalBatchSize, init,
  };
}

/**
 * The training attack named by the arguments (varmat form, latent L2).
 *
 * @example
 * makeTrainingAttack(parseVarmatTrainArgs([...]), 0);
 */
export function makeTrainingAttack(a: VarmatTrainArgs, seed: number): FastAtAttack {
  switch (a.attack) {
    case 'fgsm-ep': return fgsmEp({ eps: a.eps, stepSize: a.epGamma, seed });
    case 'fgsm-mep': return fgsmMep({ eps: a.eps, momentum: a.mepMu, seed });
    case 'fgsm-pco': return fgsmPco({ eps: a.eps, gamma: a.pcoGamma, seed });
    default: return fgsmRs({ eps: a.eps, seed });
  }
}

/**
 * Runs `varmat train --at varmat|avg ...`; returns the exit code (0 done, 130 interrupted after saving).
 *
 * @example
 * await varmatTrainCommand(['--at', 'varmat', '--attack', 'fgsm-rs', '--data', 'avmnist-synth', '--epochs', '2', '--out', 'runs/v']);
 */
export async function varmatTrainCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const v = parseVarmatTrainArgs(args);
  const a = v.base;
  const described = await initBackend(a.backend, a.threads);
  const started = performance.now();
  console.log(`backend: ${described}`);
  const ds = await loadTrainData(a, started);
  const keep = a.modalities;
  const spec = modelSpecFor(a.model, ds.train);
  const model = buildModel(spec, { rng: a.seed });
  if (v.init !== null && !a.resume) {
    model.loadStateDict((await readCheckpoint(v.init)).weights);
    console.log(`initial weights: ${v.init}`);
  }
  const attack = makeTrainingAttack(v, a.seed);
  console.log(`model: ${a.model}, ${model.numParameters().toLocaleString('en-US')} parameters; AT ${v.step.at} with ${v.attack} eps ${v.eps}${v.step.at === 'varmat' ? `, alpha ${v.step.alpha}, ${v.step.aggregate}, probe ${v.step.probeForm}` : ''}${v.step.hiddenExtraGradient ? ', hidden extra gradient' : ''}${v.step.space === 'input' ? ', input space' : ''}${v.step.budget === 'vulnerability' ? ', vulnerability-proportional budget' : ''}; ${a.epochs} epochs, batch ${a.batchSize}, seed ${a.seed}`);
  const stop = abortOnSigint('\ninterrupt: finishing this step and saving\n');
  const printer = progressPrinter();
  try {
    const info = { model: spec, data: { name: a.data, options: a.dataOptions, modalities: keep }, seed: a.seed, at: v.step.at, attack: v.attack } as unknown as JsonValue;
    const result = await trainRobust({
      model, attack, step: v.step, train: ds.train, val: ds.val.size > 0 ? ds.val : null, test: ds.test.size > 0 ? ds.test : null,
      epochs: a.epochs, batchSize: a.batchSize, seed: a.seed, lr: a.optimizer.lr, weightDecay: a.optimizer.weightDecay ?? 1e-3,
      evalEps: v.evalEps, evalSteps: v.evalSteps, evalBatchSize: v.evalBatchSize,
      outDir: a.out, resume: a.resume, signal: stop.signal, info, progressSeconds: printer.progressSeconds,
      onProgress: printer.onProgress,
      onEpoch: (r) => {
        printer.endEpoch();
        const vul = Object.entries(r.vulnerability).map(([m, x]) => `${m} ${x.toExponential(3)}`).join(', ');
        const val = r.valRobustAccuracy === null ? '' : `  val clean ${(100 * r.valCleanAccuracy!).toFixed(2)}% robust ${(100 * r.valRobustAccuracy).toFixed(2)}%${r.best ? ' (best)' : ''}`;
        console.log(`epoch ${r.epoch + 1}/${a.epochs}: loss ${r.trainLoss.toFixed(4)} (ce ${r.trainCe.toFixed(4)}, penalty ${r.trainPenalty.toFixed(4)}) adv acc ${(100 * r.trainAdvAccuracy).toFixed(2)}%${val}  V: ${vul}  ${formatDuration(r.seconds)}`);
      },
    });
    if (result.interrupted) {
      console.log(`interrupted at step ${result.globalStep}; saved ${a.out}/last.safetensors. Continue with the same command and --resume.`);
      return 130;
    }
    if (result.test) console.log(`test: clean ${(100 * result.test.cleanAccuracy).toFixed(2)}%, robust ${(100 * result.test.robustAccuracy).toFixed(2)}% (PGD-${v.evalSteps} latent eps ${v.evalEps}, paper definition; ${result.test.samples} samples, weights of epoch ${result.test.epoch + 1})`);
    console.log(`done in ${formatDuration((performance.now() - started) / 1000)}; log ${a.out}/log.json`);
    return 0;
  } finally {
    stop.dispose();
    attack.dispose();
    model.dispose();
  }
}
