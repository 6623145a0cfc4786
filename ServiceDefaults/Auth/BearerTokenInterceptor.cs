using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Grpc.Core.Interceptors;

namespace Mesh.ServiceDefaults.Auth;

/// <summary>
/// JwtBearer lets a request whose token fails validation go on anonymous; a gRPC call here must not. A call without a
/// token goes on anonymous (each method decides whether that is enough); a token that is sent is always checked, and
/// a bad one ends the call with UNAUTHENTICATED, saying why.
/// </summary>
/// <remarks>Registered as a singleton (it keeps no state). A call with nothing to refuse — no token, or one JwtBearer
/// accepted — goes straight on, without an async step of its own.</remarks>
public sealed class BearerTokenInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        NothingToRefuse(context) ? continuation(request, context) : CheckedAsync(request, context, continuation);

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        NothingToRefuse(context) ? continuation(requestStream, context) : CheckedAsync(requestStream, context, continuation);

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        NothingToRefuse(context) ? continuation(request, responseStream, context) : CheckedAsync(request, responseStream, context, continuation);

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        NothingToRefuse(context) ? continuation(requestStream, responseStream, context) : CheckedAsync(requestStream, responseStream, context, continuation);

    private static async Task<TResponse> CheckedAsync<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        where TRequest : class where TResponse : class
    {
        await RejectBadTokenAsync(context);
        return await continuation(request, context);
    }

    private static async Task<TResponse> CheckedAsync<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
        where TRequest : class where TResponse : class
    {
        await RejectBadTokenAsync(context);
        return await continuation(requestStream, context);
    }

    private static async Task CheckedAsync<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
        where TRequest : class where TResponse : class
    {
        await RejectBadTokenAsync(context);
        await continuation(request, responseStream, context);
    }

    private static async Task CheckedAsync<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
        where TRequest : class where TResponse : class
    {
        await RejectBadTokenAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    /// <summary>No Authorization header, or a Bearer token the authentication middleware accepted: what
    /// <see cref="BearerTokenProblemAsync"/> answers null for without asking JwtBearer again.</summary>
    private static bool NothingToRefuse(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var header = http.Request.Headers.Authorization.ToString();
        return header.Length == 0 || (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && http.User.Identity?.IsAuthenticated == true);
    }

    private static async Task RejectBadTokenAsync(ServerCallContext context)
    {
        if (await BearerTokenProblemAsync(context.GetHttpContext()) is { } problem)
            throw new RpcException(new Status(StatusCode.Unauthenticated, problem));
    }

    /// <summary>Why the request's Authorization header is not acceptable, or null (no header, or a valid token).</summary>
    public static async Task<string?> BearerTokenProblemAsync(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (header.Length == 0) return null;
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return "The authorization metadata must use the Bearer scheme.";
        if (http.User.Identity?.IsAuthenticated == true) return null;
        // The authentication middleware keeps only a successful result; the handler caches the request's result, so
        // asking again returns the same failure without validating the token twice.
        var failure = (await http.AuthenticateAsync()).Failure;
        return $"Invalid bearer token: {Describe(failure)}.";
    }

    /// <summary>Why JwtBearer refused a token, in words for a caller (the reason part of "Invalid bearer token: …").</summary>
    public static string Describe(Exception? failure) => failure switch
    {
        null => "the token could not be validated",
        Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException => "the token expired",
        Microsoft.IdentityModel.Tokens.SecurityTokenNotYetValidException => "the token is not valid yet",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidIssuerException => "the token has the wrong issuer",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidAudienceException => "the token is not for this audience",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidAlgorithmException => $"the token must be signed with {MeshTokens.Algorithm}",
        Microsoft.IdentityModel.Tokens.SecurityTokenNoExpirationException => "the token has no expiry",
        Microsoft.IdentityModel.Tokens.SecurityTokenSignatureKeyNotFoundException => "the token is signed with an unknown key",
        Microsoft.IdentityModel.Tokens.SecurityTokenInvalidSignatureException => "the token signature is invalid",
        Microsoft.IdentityModel.Tokens.SecurityTokenMalformedException => "the token is malformed",
        Microsoft.IdentityModel.Tokens.SecurityTokenException => "the token was rejected",
        ArgumentException => "the token is malformed",   // IdentityModel's "cannot decode the header" (IDX14102)
        _ => "the token issuer's keys could not be fetched",
    };
}

/// <summary>The caller of a gRPC call, as JwtBearer authenticated it.</summary>
public static class CallerExtensions
{
    /// <summary>The authenticated caller, or null for an anonymous call.</summary>
    public static AuthenticatedUser? GetUser(this ServerCallContext context) => AuthenticatedUser.From(context.GetHttpContext().User);

    /// <summary>The authenticated caller; UNAUTHENTICATED when the call carried no token.</summary>
    public static AuthenticatedUser RequireUser(this ServerCallContext context) =>
        context.GetUser() ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "This method needs a bearer token."));

    /// <summary>The caller, who must hold one of <paramref name="roles"/>; PERMISSION_DENIED otherwise.</summary>
    public static AuthenticatedUser RequireRole(this ServerCallContext context, params string[] roles)
    {
        var user = context.RequireUser();
        if (!roles.Any(user.IsInRole))
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"This method needs the role {string.Join(" or ", roles)}."));
        return user;
    }
}
