using System.Collections.ObjectModel;
using Mesh.Grpc.Interceptors;

namespace Mesh.Grpc.Server;

/// <summary>
/// The global server interceptors, in the order they run (the first added is the outermost).
/// An interceptor added by type is taken from DI when registered there, otherwise created for each
/// call with ActivatorUtilities (constructor arguments from DI plus the ones given here) and disposed after it.
/// </summary>
public sealed class InterceptorCollection : Collection<InterceptorRegistration>
{
    public void Add<TInterceptor>(params object[] args) where TInterceptor : Interceptor =>
        Add(typeof(TInterceptor), args);

    public void Add(Type interceptorType, params object[] args)
    {
        ArgumentNullException.ThrowIfNull(interceptorType);
        if (!typeof(Interceptor).IsAssignableFrom(interceptorType))
            throw new ArgumentException($"Type {interceptorType} does not derive from {typeof(Interceptor)}.", nameof(interceptorType));
        Add(new InterceptorRegistration(interceptorType, args ?? Array.Empty<object>(), null));
    }

    /// <summary>Adds a shared instance: used for every call, never disposed by the server.</summary>
    public void Add(Interceptor interceptor)
    {
        ArgumentNullException.ThrowIfNull(interceptor);
        Add(new InterceptorRegistration(interceptor.GetType(), Array.Empty<object>(), interceptor));
    }
}

/// <summary>One entry of <see cref="InterceptorCollection"/>: a type (with constructor arguments) or an instance.</summary>
public sealed class InterceptorRegistration
{
    internal InterceptorRegistration(Type type, object[] arguments, Interceptor? instance)
    {
        Type = type;
        Arguments = arguments;
        Instance = instance;
    }

    public Type Type { get; }
    public IReadOnlyList<object> Arguments { get; }
    public Interceptor? Instance { get; }
}
