namespace Mesh.Grpc.Interceptors;

/// <summary>
/// Adds client interceptors to an invoker or a channel (as Grpc.Core.Interceptors' extensions).
/// Order, as grpc-dotnet documents it: <c>invoker.Intercept(a, b, c)</c> runs a, then b, then c, then the call;
/// it is the same as <c>invoker.Intercept(c).Intercept(b).Intercept(a)</c> — the interceptor added last runs first.
/// </summary>
public static class CallInvokerExtensions
{
    public static CallInvoker Intercept(this CallInvoker invoker, Interceptor interceptor) =>
        new InterceptingCallInvoker(invoker, interceptor);

    public static CallInvoker Intercept(this CallInvoker invoker, params Interceptor[] interceptors)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentNullException.ThrowIfNull(interceptors);
        // Wrap from the last to the first so the first ends up outermost and runs first.
        for (var i = interceptors.Length - 1; i >= 0; i--)
            invoker = new InterceptingCallInvoker(invoker, interceptors[i]);
        return invoker;
    }

    /// <summary>Rewrites the request metadata of every call with a function.</summary>
    public static CallInvoker Intercept(this CallInvoker invoker, Func<Metadata, Metadata> interceptor) =>
        new InterceptingCallInvoker(invoker, new MetadataInterceptor(interceptor));

    public static CallInvoker Intercept(this ChannelBase channel, Interceptor interceptor) =>
        channel.CreateCallInvoker().Intercept(interceptor);

    public static CallInvoker Intercept(this ChannelBase channel, params Interceptor[] interceptors) =>
        channel.CreateCallInvoker().Intercept(interceptors);

    public static CallInvoker Intercept(this ChannelBase channel, Func<Metadata, Metadata> interceptor) =>
        channel.CreateCallInvoker().Intercept(interceptor);
}
