using System.Reflection;
using Mesh.Grpc.Server.Connect;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Mesh.Grpc.Server;

/// <summary>
/// Receives the methods a generated BindService(binder, null) reports and maps one endpoint per
/// method: POST to the method's full name, handled by the call handler for its kind. The handler
/// delegates passed in are ignored (they are null): calls are dispatched to a per-call service instance.
/// </summary>
internal sealed class ServiceMethodBinder<TService> : ServiceBinderBase where TService : class
{
    private readonly IEndpointRouteBuilder _endpoints;
    private readonly ServerCallSettings _settings;
    private readonly ServiceActivator<TService> _activator;

    public ServiceMethodBinder(IEndpointRouteBuilder endpoints, ServerCallSettings settings, ServiceActivator<TService> activator)
    {
        _endpoints = endpoints;
        _settings = settings;
        _activator = activator;
    }

    public List<IEndpointConventionBuilder> EndpointBuilders { get; } = new();
    public HashSet<string> ServiceNames { get; } = new(StringComparer.Ordinal);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
    {
        var invoker = ServiceMethodInvokers.Unary<TService, TRequest, TResponse>(method);
        var callHandler = new UnaryServerCallHandler<TService, TRequest, TResponse>(method, _settings, _activator, invoker)
        {
            ConnectHandler = ConnectCallHandler<TService, TRequest, TResponse>.Unary(method, _settings, _activator, invoker).HandleCallAsync,
        };
        Map(method, callHandler.HandleCallAsync, invoker.Method);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var invoker = ServiceMethodInvokers.ClientStreaming<TService, TRequest, TResponse>(method);
        var callHandler = new ClientStreamingServerCallHandler<TService, TRequest, TResponse>(method, _settings, _activator, invoker)
        {
            ConnectHandler = ConnectCallHandler<TService, TRequest, TResponse>.ClientStreaming(method, _settings, _activator, invoker).HandleCallAsync,
        };
        Map(method, callHandler.HandleCallAsync, invoker.Method);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var invoker = ServiceMethodInvokers.ServerStreaming<TService, TRequest, TResponse>(method);
        var callHandler = new ServerStreamingServerCallHandler<TService, TRequest, TResponse>(method, _settings, _activator, invoker)
        {
            ConnectHandler = ConnectCallHandler<TService, TRequest, TResponse>.ServerStreaming(method, _settings, _activator, invoker).HandleCallAsync,
        };
        Map(method, callHandler.HandleCallAsync, invoker.Method);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var invoker = ServiceMethodInvokers.DuplexStreaming<TService, TRequest, TResponse>(method);
        var callHandler = new DuplexStreamingServerCallHandler<TService, TRequest, TResponse>(method, _settings, _activator, invoker)
        {
            ConnectHandler = ConnectCallHandler<TService, TRequest, TResponse>.DuplexStreaming(method, _settings, _activator, invoker).HandleCallAsync,
        };
        Map(method, callHandler.HandleCallAsync, invoker.Method);
    }

    private void Map(IMethod method, Microsoft.AspNetCore.Http.RequestDelegate handleCall, MethodInfo implementation)
    {
        var builder = _endpoints.MapPost(method.FullName, handleCall);
        builder.WithDisplayName($"gRPC - {method.FullName}");
        builder.Add(endpoint =>
        {
            // The RPC descriptor, then attributes of the service class and of the method (e.g. [Authorize]),
            // so the usual endpoint conventions and middleware apply to gRPC methods as to controllers.
            endpoint.Metadata.Add(method);
            foreach (var attribute in typeof(TService).GetCustomAttributes(inherit: true)) endpoint.Metadata.Add(attribute);
            foreach (var attribute in implementation.GetCustomAttributes(inherit: true)) endpoint.Metadata.Add(attribute);
        });
        EndpointBuilders.Add(builder);
        ServiceNames.Add(method.ServiceName);
    }
}
