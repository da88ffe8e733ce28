import { context, ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';
import { AsyncLocalStorage, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

/**
 * The OpenTelemetry context inside the workflow sandbox, live only while its workflow runs.
 * A workflow interceptor module, bundled beside the SDK's (telemetry/tracing.ts) when tracing is on.
 *
 * Why not the SDK's own: its context manager keeps an AsyncLocalStorage per cached workflow, and
 * Node 20 visits every enabled storage at every promise any workflow creates on the workflow
 * thread (writing a property per storage onto each promise). With 1,000 open incidents in the
 * cache, each promise paid a thousand visits: profiled, that was the tail tracing added to the
 * page (`node:async_hooks` _propagate and twice the garbage collection). This one enables its
 * storage when an activation of its workflow begins and disables it when the activation ends, so
 * one storage, the running workflow's, is visited. Disabling keeps what the workflow's pending
 * promises carry: a continuation in a later activation finds its span again once re-enabled.
 */
class ActivationContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.storage.run(ctx, () => fn.apply(thisArg, args));
  }

  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const bound = (...args: unknown[]) => this.with(ctx, () => (target as (...a: unknown[]) => unknown)(...args));
    return bound as T;
  }

  /** Enables the storage (running it once enables it, without changing any context). */
  enable(): this {
    this.storage.run(ROOT_CONTEXT, () => undefined);
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => {
  const manager = new ActivationContextManager();
  // Replace whatever the SDK's module registered (in either order of the modules: registering
  // second would be refused as a duplicate, so clear first). Its storage stays disabled, unused.
  context.disable();
  context.setGlobalContextManager(manager);
  return {
    internals: [
      {
        activate(input, next) {
          manager.enable();
          return next(input);
        },
        concludeActivation(input, next) {
          const concluded = next(input);
          manager.disable();
          return concluded;
        },
      },
    ],
  };
};
