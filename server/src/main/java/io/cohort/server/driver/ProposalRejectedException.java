package io.cohort.server.driver;

/**
 * A proposal was refused before it reached consensus, because too many proposals of this
 * member are waiting already (back-pressure). Nothing was proposed: retry once some of the
 * waiting proposals complete.
 */
public final class ProposalRejectedException extends RuntimeException {

  ProposalRejectedException(String message) {
    super(message);
  }
}
