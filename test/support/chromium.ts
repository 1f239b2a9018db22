/**
 * How every test launches Debian's Chromium: by path (Playwright never downloads a browser here) and with
 * the flags that keep it off the network this machine does not have.
 */
export const CHROMIUM_PATH = process.env.KEYBRIDGE_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
