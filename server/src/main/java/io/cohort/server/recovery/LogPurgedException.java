package io.cohort.server.recovery;

import io.cohort.server.group.GroupRefusedException;

/**
 * Every donor purged a transaction a recovering member lacks: it cannot catch up by replaying a
 * log. The member leaves the group and restarts itself to clone a donor's data.
 */
public final class LogPurgedException extends GroupRefusedException {
  public LogPurgedException(String message) {
    super(message);
  }
}
