import { describe, expect, it } from 'vitest';
import { decodeJwtPayload } from '../jwt';
import { accountFromClaims, accountFromTokens } from './claims';

const jwt = (payload: object) =>
  ['e30', Buffer.from(JSON.stringify(payload)).toString('base64url'), 'sig'].join('.');

describe('account claims', () => {
  it('reads email, plan, account and user id from the OpenAI auth claim', () => {
    const a = accountFromClaims({
      email: 'ada@example.com',
      'https://api.openai.com/auth': {
        chatgpt_plan_type: 'pro',
        chatgpt_account_id: 'acc-1',
        chatgpt_user_id: 'u-1',
      },
    });
    expect(a).toEqual({ email: 'ada@example.com', planType: 'pro', accountId: 'acc-1', userId: 'u-1' });
  });

  it('falls back to the profile claim for email and keeps unknown plans as sent', () => {
    const a = accountFromClaims({
      'https://api.openai.com/profile': { email: 'bob@example.com' },
      'https://api.openai.com/auth': { chatgpt_plan_type: 'galaxy-brain' },
    });
    expect(a.email).toBe('bob@example.com');
    expect(a.planType).toBe('galaxy-brain');
    expect(a.accountId).toBeNull();
  });

  it('takes what the id_token lacks from the access token', () => {
    const a = accountFromTokens({
      idToken: jwt({ email: 'ada@example.com' }),
      accessToken: jwt({
        'https://api.openai.com/auth': { chatgpt_plan_type: 'plus', chatgpt_account_id: 'acc-9' },
      }),
    });
    expect(a).toMatchObject({ email: 'ada@example.com', planType: 'plus', accountId: 'acc-9' });
  });

  it('treats malformed tokens as having no claims instead of throwing', () => {
    expect(decodeJwtPayload('not-a-jwt')).toBeNull();
    expect(decodeJwtPayload('a.!!!.c')).toBeNull();
    expect(decodeJwtPayload(jwt([1, 2]))).toBeNull();
    expect(accountFromTokens({ idToken: 'x.y.z', accessToken: undefined })).toEqual({
      email: null,
      planType: null,
      accountId: null,
      userId: null,
    });
  });
});
