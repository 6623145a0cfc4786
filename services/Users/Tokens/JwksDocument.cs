using Mesh.ServiceDefaults.Auth;
using Mesh.Users.V1;

namespace Mesh.Users.Tokens;

/// <summary>The published public keys as a JWK Set (the same message answers gRPC GetSigningKeys and GET /.well-known/jwks.json).</summary>
public static class JwksDocument
{
    public static async Task<GetSigningKeysResponse> BuildAsync(SigningKeyRing keys, CancellationToken cancellationToken)
    {
        // Make sure there is a key to publish before anyone has signed in.
        await keys.GetActiveAsync(cancellationToken);
        var response = new GetSigningKeysResponse();
        foreach (var key in await keys.GetPublishedAsync(cancellationToken))
        {
            var point = key.Key.ExportParameters(includePrivateParameters: false).Q;
            response.Keys.Add(new V1.SigningKey
            {
                Kty = "EC", Crv = "P-256", Use = "sig", Alg = "ES256", Kid = key.Kid,
                X = Base64Url.Encode(point.X), Y = Base64Url.Encode(point.Y),
            });
        }
        return response;
    }
}
