// Reads MQTT fixed headers off a byte stream and says when a packet announces more bytes than allowed.

/**
 * aedes (via mqtt-packet) buffers a whole packet before it looks at it, up to MQTT's own
 * limit of 256 MB per packet, so a client could make the daemon hold that much per
 * connection before any authorisation runs. This scanner sees only the fixed header of each
 * packet (type byte + "remaining length", 1–4 bytes of 7 bits each) and skips the body by
 * counting, so a too-large packet is refused from its first bytes, at O(1) memory.
 */
export class MqttPacketSizeGuard {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** False once a packet is too large or its length field malformed (then the connection must go). */
  feed(chunk: Uint8Array): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i++]!;
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes >= 4) return false; // MQTT 3.1.1 §2.2.3: at most four bytes
        continue;
      }
      // Fixed header (1 byte + length bytes) plus the rest.
      if (1 + this.lengthBytes + this.length > this.maxPacketBytes) return false;
      this.remaining = this.length;
      this.state = this.remaining === 0 ? 'type' : 'body';
    }
    return true;
  }
}
