using System.Reflection;

namespace Mesh.Grpc.Server;

/// <summary>
/// Finds the C# method implementing an RPC on the service type and turns it into an open delegate
/// (instance as the first argument), so one delegate serves every per-call service instance and a
/// call costs a delegate invocation, not reflection. Virtual dispatch still applies, so overrides win.
/// </summary>
internal static class ServiceMethodInvokers
{
    public static Func<TService, TRequest, ServerCallContext, Task<TResponse>> Unary<TService, TRequest, TResponse>(IMethod method) =>
        Create<Func<TService, TRequest, ServerCallContext, Task<TResponse>>>(typeof(TService), method, typeof(TRequest), typeof(ServerCallContext));

    public static Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>> ClientStreaming<TService, TRequest, TResponse>(IMethod method) =>
        Create<Func<TService, IAsyncStreamReader<TRequest>, ServerCallContext, Task<TResponse>>>(typeof(TService), method,
            typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));

    public static Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> ServerStreaming<TService, TRequest, TResponse>(IMethod method) =>
        Create<Func<TService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task>>(typeof(TService), method,
            typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));

    public static Func<TService, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task> DuplexStreaming<TService, TRequest, TResponse>(IMethod method) =>
        Create<Func<TService, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext, Task>>(typeof(TService), method,
            typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));

    /// <summary>The public instance method named like the RPC with exactly these parameter types.</summary>
    public static MethodInfo? Find(Type serviceType, IMethod method, params Type[] parameterTypes) =>
        serviceType.GetMethod(method.Name, BindingFlags.Public | BindingFlags.Instance, null, parameterTypes, null);

    private static TDelegate Create<TDelegate>(Type serviceType, IMethod method, params Type[] parameterTypes) where TDelegate : Delegate
    {
        var info = Find(serviceType, method, parameterTypes)
                   ?? throw new InvalidOperationException(
                       $"Could not find a public method {serviceType.Name}.{method.Name}({string.Join(", ", parameterTypes.Select(t => t.Name))}) " +
                       $"for the gRPC method '{method.FullName}'.");
        return info.CreateDelegate<TDelegate>();
    }
}
