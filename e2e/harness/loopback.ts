import { randomInt } from 'node:crypto';

/**
 * A run's loopback addresses: a /24 of 127/8 of its own, so runs side by side never share a port.
 * Kafka node `id` listens on .(10+id), Connect worker `index` on .(100+index).
 */
export class Loopback {
  private readonly base = `127.${randomInt(1, 250)}.${randomInt(1, 250)}`;

  node(id: number): string {
    return `${this.base}.${10 + id}`;
  }

  worker(index: number): string {
    return `${this.base}.${100 + index}`;
  }
}
