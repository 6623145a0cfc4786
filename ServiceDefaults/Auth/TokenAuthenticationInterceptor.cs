using Mesh.Grpc.Interceptors;

namespace Mesh.ServiceDefaults.Auth;

/// <summary>
/// Turns the bearer token in a call's <c>authorization</c> metadata into an <see cref="AuthenticatedUser"/> on the
/// <see cref="ServerCallContext"/>. A call without a token goes on anonymous (each method decides whether that is
/// enough); a token that is sent is always checked, and a bad one ends the call with UNAUTHENTICATED.
/// </summary>
public sealed class TokenAuthenticationInterceptor(JwtValidator validator) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        return await continuation(request, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private async Task AuthenticateAsync(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null) return;
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The authorization metadata must use the Bearer scheme."));
        var (user, error) = await validator.ValidateAsync(header[7..].Trim(), context.CancellationToken);
        if (user is null) throw new RpcException(new Status(StatusCode.Unauthenticated, $"Invalid bearer token: {error}."));
        context.UserState[AuthenticatedUserKey.Instance] = user;
    }
}

/// <summary>The UserState key of the caller (a private object, so nothing else can overwrite it by accident).</summary>
internal sealed class AuthenticatedUserKey
{
    public static readonly AuthenticatedUserKey Instance = new();
}

/// <summary>The caller of a gRPC call, as <see cref="TokenAuthenticationInterceptor"/> found it.</summary>
public static class CallerExtensions
{
    /// <summary>The authenticated caller, or null for an anonymous call.</summary>
    public static AuthenticatedUser? GetUser(this ServerCallContext context) =>
        context.UserState.TryGetValue(AuthenticatedUserKey.Instance, out var user) ? (AuthenticatedUser)user : null;

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
