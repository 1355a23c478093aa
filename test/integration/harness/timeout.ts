// jest ignores `testTimeout` inside a project's config; integration tests talk to a real
// emulator on a shared 2-core machine, so give each test a minute.
jest.setTimeout(60_000);
