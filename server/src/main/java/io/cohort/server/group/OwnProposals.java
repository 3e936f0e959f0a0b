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
  /** Messages sent split, by the id their parts carry. */
  private final ConcurrentHashMap<String, GroupMessage> byMessageId = new ConcurrentHashMap<>();

  /**
   * Encodes {@code m} as {@code messages} says and remembers it until it is delivered here or
   * forgotten: by its single value, or by its message id when it is sent in parts.
   */
  GroupMessages.Encoded encode(GroupMessage m, GroupMessages messages, java.util.function.Supplier<String> newId,
      int origin) {
    GroupMessages.Encoded e = messages.encode(m, newId, origin);
    if (e.messageId() != null) {
      byMessageId.put(e.messageId(), m);
    } else {
      byData.put(e.values().get(0), m);
    }
    return e;
  }

  /** The message {@code data} holds: the one encoded here, or parsed when a peer proposed it. */
  GroupMessage decode(byte[] data) throws InvalidProtocolBufferException {
    GroupMessage m = byData.remove(data);
    return m != null ? m : GroupMessages.parse(data);
  }

  /** The split message {@code messageId} when this member sent it, else null. */
  GroupMessage decodeWhole(String messageId) {
    return byMessageId.remove(messageId);
  }

  /** Whether the split message {@code messageId} is still waiting to be delivered here. */
  boolean holdsMessage(String messageId) {
    return byMessageId.containsKey(messageId);
  }

  /** A split message was dropped (its origin sends it again under another id) or will not be delivered. */
  void forgetMessage(String messageId) {
    byMessageId.remove(messageId);
  }

  /** The proposal failed: it will not be delivered here. */
  void forget(byte[] data) {
    byData.remove(data);
  }

  /** The session ended: nothing it proposed is delivered to it any more. */
  void clear() {
    byData.clear();
    byMessageId.clear();
  }

  int size() {
    return byData.size() + byMessageId.size();
  }
}
