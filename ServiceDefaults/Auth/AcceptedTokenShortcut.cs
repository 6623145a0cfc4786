using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Mesh.ServiceDefaults.Auth;

/// <summary>
/// JwtBearer's events, answering "message received" — the first thing JwtBearer does for a request — for a token
/// <see cref="ValidatedTokenCache"/> accepted moments ago and may still accept under the scheme's parameters. The
/// request then succeeds with a principal, properties and ticket of its own, and JwtBearer skips what it would redo for
/// a token it has already accepted: copying its validation parameters, asking the token handler, building a result,
/// principal and context. Anything else — no token, a token not remembered, expired in memory, past
/// <see cref="ValidatedTokenCache.MaxAge"/>, or not acceptable under the parameters — goes through JwtBearer exactly as
/// before (which validates through the same cache, and refreshes keys on an unknown kid). A service that hooks
/// <see cref="JwtBearerEvents.OnTokenValidated"/> gets JwtBearer's full path on every request, so its hook still
/// runs for each. Measured in docs/performance.md §6f.
/// </summary>
public sealed class AcceptedTokenShortcut(ValidatedTokenCache cache) : JwtBearerEvents
{
    private const string Bearer = "Bearer ";
    private static readonly Func<TokenValidatedContext, Task> NoTokenValidatedHook = new JwtBearerEvents().OnTokenValidated;

    public override Task MessageReceived(MessageReceivedContext context)
    {
        var hooks = base.MessageReceived(context);
        if (!hooks.IsCompletedSuccessfully) return AfterHooksAsync(hooks, context);
        Answer(context);
        return Task.CompletedTask;
    }

    private async Task AfterHooksAsync(Task hooks, MessageReceivedContext context)
    {
        await hooks;
        Answer(context);
    }

    private void Answer(MessageReceivedContext context)
    {
        if (context.Result is not null || OnTokenValidated != NoTokenValidatedHook) return;
        // The token as JwtBearer would find it: one an earlier hook supplied, else the Authorization header's after "Bearer ".
        var token = context.Token is { Length: > 0 } supplied ? supplied.AsSpan() : FromHeader(context.Request.Headers.Authorization.ToString());
        if (token.IsEmpty || !cache.TryGetAccepted(token, context.Options.TokenValidationParameters, out var accepted)) return;

        context.Principal = accepted.NewPrincipal();
        context.Properties = accepted.NewProperties();
        if (context.Options.SaveToken)
            context.Properties.StoreTokens([new AuthenticationToken { Name = "access_token", Value = accepted.Token }]);
        context.Success();
    }

    private static ReadOnlySpan<char> FromHeader(string authorization) =>
        authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) ? authorization.AsSpan(Bearer.Length).Trim() : default;
}
