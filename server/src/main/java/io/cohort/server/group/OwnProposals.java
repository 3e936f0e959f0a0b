package io.cohort.server.group;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cohort.proto.GroupMessage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This member's own proposals, kept decoded from the moment they are encoded until the group
 * delivers them here, so a member never parses its own proposal again. Keyed by the very array
 * proposed (arrays hash and compare by identity): the consensus core delivers a member's own
 * value with the array it was given, while a peer's arrives as a new one and is parsed.
 *
 * <p>Threads: any thread encodes (commits come on gRPC threads); the loop thread decodes.
 */
final class OwnProposals {
  private final ConcurrentHashMap<byte[], GroupMessage> byData = new ConcurrentHashMap<>();

  /** Serialises {@code m} and remembers it until {@link #decode} or {@link #forget}. */
  byte[] encode(GroupMessage m) {
    byte[] data = m.toByteArray();
    byData.put(data, m);
    return data;
  }

  /** The message {@code data} holds: the one encoded here, or parsed when a peer proposed it. */
  GroupMessage decode(byte[] data) throws InvalidProtocolBufferException {
    GroupMessage m = byData.remove(data);
    return m != null ? m : GroupMessage.parseFrom(data);
  }

  /** The proposal failed: it will not be delivered here. */
  void forget(byte[] data) {
    byData.remove(data);
  }

  /** The session ended: nothing it proposed is delivered to it any more. */
  void clear() {
    byData.clear();
  }

  int size() {
    return byData.size();
  }
}
