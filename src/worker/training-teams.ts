// The thread teams a training or a search needs, one per algorithm that can use one: ALS solves
// its rows on an AlsTeam, the sequential softmax computes its gradient on a SoftmaxTeam. With one
// thread (RECFLOW_TRAIN_THREADS=1) everything runs on the task's own thread.
import type { Algorithm, Executors } from "../engine/index.js";
import { AlsTeam } from "./als-team.js";
import { SoftmaxTeam } from "./softmax-team.js";

export interface TrainingTeams {
  executors: Executors;
  /** Ends the helper threads (also after an abort or an error); nothing needs to await it. */
  close(): void;
}

export function trainingTeams(algorithms: readonly Algorithm[], threads: number): TrainingTeams {
  const als = threads > 1 && algorithms.includes("als") ? new AlsTeam(threads) : undefined;
  const softmax = threads > 1 && algorithms.includes("sequential_softmax") ? new SoftmaxTeam(threads) : undefined;
  return {
    executors: { ...(als ? { als } : {}), ...(softmax ? { softmax } : {}) },
    close: () => {
      void als?.close();
      void softmax?.close();
    },
  };
}
