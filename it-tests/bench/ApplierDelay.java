import io.cohort.proto.FaultInjectionGrpc;
import io.cohort.proto.SetApplierDelayRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * Sets a member's applier delay through the FaultInjection service (the member must run with
 * --enable-fault-injection): java -cp "server/target/cohort-server.jar:server/target/lib/*"
 * it-tests/bench/ApplierDelay.java HOST:PORT MICROS. Retries for 10 s while the member starts.
 */
public class ApplierDelay {
  public static void main(String[] args) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      ManagedChannel ch = ManagedChannelBuilder.forTarget(args[0]).usePlaintext().build();
      try {
        FaultInjectionGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS).setApplierDelay(
            SetApplierDelayRequest.newBuilder().setMicrosPerTransaction(Integer.parseInt(args[1])).build());
        System.out.println("applier delay " + args[1] + " us per transaction on " + args[0]);
        return;
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      } finally {
        ch.shutdownNow();
      }
    }
  }
}
