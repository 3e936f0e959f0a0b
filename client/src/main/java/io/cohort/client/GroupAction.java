package io.cohort.client;

import io.cohort.proto.GroupActionResponse;

/**
 * The outcome of a group administration request ({@link CohortClient#setPrimary},
 * {@link CohortClient#switchToMultiPrimary}, {@link CohortClient#switchToSinglePrimary}), as
 * every member has applied it.
 *
 * @param viewId the view in which the change took effect
 * @param mode {@code SINGLE_PRIMARY} or {@code MULTI_PRIMARY}
 * @param primary member id of the primary in single-primary mode, empty in multi-primary mode
 * @param message the member's description of what changed (may be empty)
 */
public record GroupAction(String viewId, String mode, String primary, String message) {
  /** The group's mode when every member accepts writes. */
  public static final String MULTI_PRIMARY = "MULTI_PRIMARY";
  /** The group's mode when only the primary accepts writes. */
  public static final String SINGLE_PRIMARY = "SINGLE_PRIMARY";

  static GroupAction fromProto(GroupActionResponse r) {
    return new GroupAction(r.getViewId(), r.getMode(), r.getPrimary(), r.getMessage());
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("mode ").append(mode);
    if (!primary.isEmpty()) {
      sb.append("  primary ").append(primary);
    }
    sb.append("  view ").append(viewId);
    if (!message.isEmpty()) {
      sb.append("  (").append(message).append(')');
    }
    return sb.toString();
  }
}
