package io.cohort.server.auth;

import java.util.Set;

/**
 * A user: its name, its password's hash and its privileges.
 *
 * @param name       the user name
 * @param hash       {@link PasswordHash#encoded()}
 * @param privileges what it may do
 * @param bootstrap  whether it is the bootstrap administrator from this member's settings
 */
public record Account(String name, String hash, Set<Privilege> privileges, boolean bootstrap) {
  public boolean may(Privilege p) {
    return privileges.contains(p);
  }
}
