import { describe, it } from 'vitest';
import { aedesTarget, mosquittoAvailable, mosquittoTarget } from '../testing/broker-targets.js';
import { robotLinkContract } from './link.contract.js';

robotLinkContract('the hub broker (aedes)', aedesTarget);

if (mosquittoAvailable() || process.env.CI === 'true') {
  robotLinkContract('Mosquitto', mosquittoTarget);
} else {
  describe('robot link over Mosquitto', () => {
    it.skip('SKIPPED: mosquitto is not installed (apt-get install mosquitto); CI runs it', () => {});
  });
}
