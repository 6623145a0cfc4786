namespace Mesh.Manifests.Contracts;

/// <summary>One gRPC method of a contract, as Istio matches it and as its proto marks it.</summary>
/// <param name="Path">The HTTP/2 path a call is sent to: <c>/mesh.users.v1.Users/GetMe</c>.</param>
/// <param name="Idempotent">The proto says <c>NO_SIDE_EFFECTS</c> or <c>IDEMPOTENT</c>: a repeat is safe.</param>
/// <param name="Streaming">The server (or client) streams: the call lasts as long as the stream.</param>
/// <param name="RestTemplates">The method's <c>google.api.http</c> rules (verb and path template), for the REST routes.</param>
public sealed record ContractMethod(string Path, bool Idempotent, bool Streaming, IReadOnlyList<RestRoute> RestTemplates);

/// <summary>A <c>google.api.http</c> rule: an HTTP verb and a path template such as <c>/v1/holds/{id}:watch</c>.</summary>
public sealed record RestRoute(string Verb, string Template);
