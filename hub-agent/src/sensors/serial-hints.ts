/**
 * What a technician should do about a serial device the hub cannot open, from the binding's error
 * message (Linux wording of @serialport/bindings-cpp). Undefined when there is nothing better to say.
 */
export function serialOpenHint(message: string): string | undefined {
  if (/no such file|does not exist|ENOENT/i.test(message)) {
    return 'the device is not plugged in or the path is wrong; plugged-in devices are listed under /dev/serial/by-id/';
  }
  if (/permission denied|EACCES/i.test(message)) {
    return "the agent's user may not open serial devices: add it to the dialout group (usermod -aG dialout <user>) and restart the agent";
  }
  if (/lock/i.test(message)) {
    return 'another program holds the device (a serial console, ModemManager, a second agent); stop it';
  }
  return undefined;
}
