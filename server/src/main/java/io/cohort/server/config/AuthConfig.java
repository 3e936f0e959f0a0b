package io.cohort.server.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Accounts on a member's client port (MySQL's users, etcd's {@code auth enable}).
 *
 * <p>With {@code auth} on, every call names a user and its password, and is admitted only with
 * the privilege it needs. The bootstrap administrator ({@code admin-user}, {@code
 * admin-password}, or {@code COHORT_ADMIN_PASSWORD}) exists on every member that is configured
 * with it and holds every privilege; it creates the group's other users, which are replicated.
 * A member calls other members (join, probes, recovery, clone) as {@code replication-user}, the
 * administrator unless set. Give every member the same settings.
 *
 * @param enabled             whether calls need a user
 * @param adminUser           the bootstrap administrator's name
 * @param adminPassword       its password (never printed)
 * @param replicationUser     who this member calls other members as
 * @param replicationPassword that user's password (never printed)
 */
public record AuthConfig(boolean enabled, String adminUser, String adminPassword, String replicationUser,
    String replicationPassword) {
  public static final String DEFAULT_ADMIN_USER = "admin";
  /** Longest password taken: a credential travels in every call's headers. */
  public static final int MAX_PASSWORD_LENGTH = 256;

  /** No accounts: anyone who reaches the client port may do anything (the default, like etcd's). */
  public static AuthConfig off() {
    return new AuthConfig(false, DEFAULT_ADMIN_USER, "", "", "");
  }

  public AuthConfig {
    adminUser = adminUser == null || adminUser.isEmpty() ? DEFAULT_ADMIN_USER : adminUser;
    adminPassword = adminPassword == null ? "" : adminPassword;
    replicationUser = replicationUser == null ? "" : replicationUser;
    replicationPassword = replicationPassword == null ? "" : replicationPassword;
    if (enabled) {
      if (!UserNames.valid(adminUser)) {
        throw new ConfigException("admin-user is not a user name (" + UserNames.RULE + ")");
      }
      if (adminPassword.isEmpty()) {
        throw new ConfigException("auth is on, so admin-password is required (or COHORT_ADMIN_PASSWORD): the"
            + " bootstrap administrator creates the group's users");
      }
      if (adminPassword.length() > MAX_PASSWORD_LENGTH) {
        throw new ConfigException("admin-password is longer than " + MAX_PASSWORD_LENGTH + " characters");
      }
      if (!replicationUser.isEmpty() && !UserNames.valid(replicationUser)) {
        throw new ConfigException("replication-user is not a user name (" + UserNames.RULE + ")");
      }
      if (!replicationUser.isEmpty() && replicationPassword.isEmpty()) {
        throw new ConfigException("replication-user is set, so replication-password is required");
      }
    }
  }

  /** Parses auth: off or on. */
  public static boolean parseEnabled(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "off" -> false;
      case "on" -> true;
      default -> throw new ConfigException("auth '" + io.cohort.server.model.Shown.of(text) + "' is not off or on");
    };
  }

  /** The user this member calls other members as. */
  public String callerUser() {
    return replicationUser.isEmpty() ? adminUser : replicationUser;
  }

  /** That user's password. */
  public String callerPassword() {
    return replicationUser.isEmpty() ? adminPassword : replicationPassword;
  }

  /** Key → effective value, for the start-up log; passwords show only whether they are set. */
  public Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("auth", enabled ? "on" : "off");
    if (enabled) {
      m.put("admin-user", adminUser);
      m.put("admin-password", "(set)");
      m.put("replication-user", callerUser());
    }
    return m;
  }

  /** Never the passwords. */
  @Override
  public String toString() {
    return "AuthConfig" + describe();
  }

  /** What a user name may be. */
  public static final class UserNames {
    public static final String RULE = "1-64 letters, digits, '_', '.', '@', '-', starting with a letter or digit";
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}");

    private UserNames() {}

    public static boolean valid(String name) {
      return name != null && NAME.matcher(name).matches();
    }
  }
}
