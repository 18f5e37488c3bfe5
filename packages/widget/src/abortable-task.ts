import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Where a task's latest run is. */
export type TaskStatus = 'initial' | 'pending' | 'complete' | 'error';

/**
 * One asynchronous job of an element, run the way `@lit/task` runs one (without its ~0.7 KB): each
 * run gets an `AbortSignal`; a new run, `abort()` or the element leaving the page aborts the run
 * before; only the latest run moves `status`. The button's token request is one: an abandoned
 * attempt must not leave its request running.
 */
export class AbortableTask<Args extends unknown[], Result> implements ReactiveController {
  #status: TaskStatus = 'initial';
  #abort: AbortController | undefined;

  constructor(
    host: ReactiveControllerHost,
    private readonly task: (args: Args, options: { signal: AbortSignal }) => Promise<Result>,
  ) {
    host.addController(this);
  }

  get status(): TaskStatus {
    return this.#status;
  }

  /** Starts a run (aborting the one before) and returns its result. */
  run(...args: Args): Promise<Result> {
    this.abort();
    const abort = (this.#abort = new AbortController());
    this.#status = 'pending';
    const settle = (status: TaskStatus) => {
      if (this.#abort !== abort) return; // superseded or aborted: not the latest run's news
      this.#abort = undefined;
      this.#status = status;
    };
    let result: Promise<Result>;
    try {
      result = this.task(args, { signal: abort.signal });
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      () => settle('complete'),
      () => settle('error'),
    );
    return result;
  }

  /** Aborts the running run, if any. */
  abort(reason?: unknown): void {
    const abort = this.#abort;
    if (!abort) return;
    this.#abort = undefined;
    this.#status = 'initial';
    abort.abort(reason);
  }

  hostDisconnected(): void {
    this.abort();
  }
}
