import { InterceptingCall, ListenerBuilder, RequesterBuilder, type Interceptor } from '@grpc/grpc-js';
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

/**
 * A client connection that closes only once its calls have settled. The SDK's retry interceptor
 * waits out a failed call's backoff on a plain timer and then starts the call again on the
 * channel; if the connection was closed in between (a file's teardown after a test that timed
 * out, or a query still retrying when the stack stops), grpc-js throws "Channel has been shut
 * down" from that timer, outside any test, and jest fails the whole file. Counting calls
 * outside the retry interceptor sees a call through all its attempts, backoff included.
 */
export async function settlingConnection(address: string): Promise<{ connection: Connection; close(): Promise<void> }> {
  let inFlight = 0;
  let onSettled: (() => void) | undefined;
  const counting: Interceptor = (options, nextCall) =>
    new InterceptingCall(
      nextCall(options),
      new RequesterBuilder()
        .withStart((metadata, _listener, next) => {
          inFlight += 1;
          next(
            metadata,
            new ListenerBuilder()
              .withOnReceiveStatus((status, nextStatus) => {
                inFlight -= 1;
                if (inFlight === 0) onSettled?.();
                nextStatus(status);
              })
              .build(),
          );
        })
        .build(),
    );
  const connection = await Connection.connect({ address, interceptors: [counting, makeGrpcRetryInterceptor(defaultGrpcRetryOptions())] });
  return {
    connection,
    async close() {
      // Bounded: ten attempts of the default backoff end within about 30 s.
      if (inFlight > 0) {
        await new Promise<void>((settled) => {
          const timer = setTimeout(settled, 35_000);
          onSettled = () => {
            clearTimeout(timer);
            settled();
          };
        });
      }
      await connection.close();
    },
  };
}
