using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mesh.Manifests.Contracts;

namespace Mesh.Manifests.Tests;

/// <summary>One request as Envoy routes it: a path, an HTTP verb and the port it was sent to (null: the ingress's).</summary>
public sealed record RouteRequest(string Path, string Verb, int? Port);

/// <summary>
/// Which route of a VirtualService takes a request, as Istio decides it (routes in order, the first with a matching
/// entry), and whether that route retries. A route that says nothing of retries does retry (Istio's default), and so
/// does a request no route takes. Conditions this check does not model count as "may match" on a retrying route and
/// "may not match" on any other, so an unknown condition can only make the check stricter.
/// </summary>
public static class RetryCheck
{
    public static bool Retries(JsonObject virtualService, RouteRequest request)
    {
        foreach (var route in virtualService["spec"]?["http"] as JsonArray ?? [])
        {
            var retries = RouteRetries(route!.AsObject());
            var matches = route["match"] as JsonArray;
            if (matches is null || matches.Count == 0 || matches.Any(m => Matches(m!.AsObject(), request, retries)))
                return retries;
        }
        return true;
    }

    public static bool RouteRetries(JsonObject route) =>
        route["retries"] is not JsonObject retries || (int?)retries["attempts"] is not 0;

    /// <summary>Every request a method can arrive as at one of our services: gRPC on its grpc port, REST on its http port.</summary>
    public static IEnumerable<RouteRequest> RequestsFor(ContractMethod method, int? grpcPort, int? httpPort)
    {
        if (grpcPort is not null || httpPort is null) yield return new RouteRequest(method.Path, "POST", grpcPort);
        foreach (var rest in method.RestTemplates)
            yield return new RouteRequest(SamplePath(rest.Template), rest.Verb, httpPort);
    }

    /// <summary>A concrete path a template accepts: every variable filled with a plausible id.</summary>
    public static string SamplePath(string template) =>
        Regex.Replace(template, @"\{[^}=]+(=([^}]+))?\}", m => m.Groups[2].Success
            ? m.Groups[2].Value.Replace("**", "a1/b2").Replace("*", "c3")
            : "d4");

    private static bool Matches(JsonObject match, RouteRequest request, bool retryingRoute)
    {
        foreach (var (field, condition) in match)
        {
            var ok = field switch
            {
                "uri" => StringMatches(condition!.AsObject(), request.Path),
                "method" => StringMatches(condition!.AsObject(), request.Verb),
                "port" => request.Port is null || (int?)condition == request.Port,
                _ => (bool?)null,
            };
            if (ok == false || (ok is null && !retryingRoute)) return false;
        }
        return true;
    }

    private static bool? StringMatches(JsonObject condition, string value) =>
        condition switch
        {
            _ when (string?)condition["exact"] is { } exact => value == exact,
            _ when (string?)condition["prefix"] is { } prefix => value.StartsWith(prefix, StringComparison.Ordinal),
            // Istio's regex must match the whole value.
            _ when (string?)condition["regex"] is { } regex => Regex.IsMatch(value, $"^(?:{regex})$"),
            _ => null,
        };
}
