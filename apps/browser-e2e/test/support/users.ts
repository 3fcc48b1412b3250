// The demo users every sample ships with (docs/demo-protocol.md).
export const DEMO_USERS = {
  alice: { id: 'alice', password: 'alice-password' },
  bob: { id: 'bob', password: 'bob-password' },
} as const;

export type DemoUserName = keyof typeof DEMO_USERS;
