// A real OpenID Connect provider for the sign-in tests: panva's oidc-provider (an OpenID
// Certified implementation), configured for one confidential client, the Streamlit app.
//
// Everything comes from the environment, set by tests/oidc_support.py:
//   OIDC_PORT           port to listen on (127.0.0.1 only)
//   OIDC_CLIENT_ID      the app's client id
//   OIDC_CLIENT_SECRET  its secret (client_secret_basic at the token endpoint)
//   OIDC_REDIRECT_URI   the app's http://127.0.0.1:<port>/oauth2callback
//   OIDC_ACCOUNTS       JSON: {"<login>": {"name": "...", "email": "..."}}
//
// Sign-in uses the provider's own built-in login and consent pages (devInteractions): any
// password is taken, but only the logins in OIDC_ACCOUNTS exist, so an unknown login fails.
// It prints "listening <issuer>" once it accepts connections; discovery is then at
// <issuer>/.well-known/openid-configuration.

import Provider from 'oidc-provider';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`provider.mjs: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

const port = Number(required('OIDC_PORT'));
const issuer = `http://127.0.0.1:${port}`;
const redirectUri = required('OIDC_REDIRECT_URI');
const accounts = JSON.parse(required('OIDC_ACCOUNTS'));

const provider = new Provider(issuer, {
  clients: [{
    client_id: required('OIDC_CLIENT_ID'),
    client_secret: required('OIDC_CLIENT_SECRET'),
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  // Like Google's and Entra ID's, the ID token carries the profile and e-mail claims; the app
  // reads the user from the ID token alone.
  conformIdTokenClaims: false,
  claims: {
    openid: ['sub'],
    profile: ['name'],
    email: ['email', 'email_verified'],
  },
  async findAccount(_ctx, sub) {
    const account = Object.hasOwn(accounts, sub) ? accounts[sub] : undefined;
    if (account === undefined) {
      return undefined;
    }
    return {
      accountId: sub,
      async claims() {
        return { sub, name: account.name, email: account.email, email_verified: true };
      },
    };
  },
  // Throwaway keys for signing cookies: a test provider keeps nothing between runs.
  cookies: { keys: [crypto.randomUUID()] },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
});

provider.on('server_error', (_ctx, error) => console.error('server_error', error));

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
