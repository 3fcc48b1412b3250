// The demo users every sample ships with (docs/demo-protocol.md), as a client knows them.
export interface DemoUser {
  readonly id: string;
  readonly password: string;
  readonly roles: readonly string[];
}

export const DEMO_USERS = {
  alice: { id: 'alice', password: 'alice-password', roles: ['admin'] },
  bob: { id: 'bob', password: 'bob-password', roles: ['member'] },
} as const satisfies Record<string, DemoUser>;

export type DemoUserName = keyof typeof DEMO_USERS;
