package io.cohort.client;

import io.cohort.proto.ExecuteResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The results of a batched {@code Execute}, one per {@link Op} in request order, and the
 * commit outcome when the request committed.
 *
 * @param results one result per operation
 * @param commit the commit outcome, or null when the request did not commit
 */
public record BatchResult(List<OpResult> results, CommitInfo commit) {
  /**
   * Copies the results.
   *
   * @param results one result per operation
   * @param commit the commit outcome or null
   */
  public BatchResult {
    results = List.copyOf(results);
  }

  static BatchResult fromProto(ExecuteResponse response) {
    List<OpResult> results = new ArrayList<>(response.getResultsCount());
    response.getResultsList().forEach(r -> results.add(OpResult.fromProto(r)));
    CommitInfo commit = response.hasCommit() && response.getCommit().getCommitted()
        ? CommitInfo.of(response.getCommit()) : null;
    return new BatchResult(results, commit);
  }

  /**
   * The result of the i-th operation.
   *
   * @param i index in request order
   * @return the result
   */
  public OpResult get(int i) {
    return results.get(i);
  }

  /**
   * The commit outcome.
   *
   * @return the commit info, or empty if the request did not commit
   */
  public Optional<CommitInfo> commitInfo() {
    return Optional.ofNullable(commit);
  }
}
