using Mesh.Grpc.Client;
using Mesh.Grpc.Interceptors;
using Mesh.ServiceDefaults.Resilience;
using Mesh.ServiceDefaults.Telemetry;

namespace Mesh.ServiceDefaults.Discovery;

/// <summary>
/// Everything that carries calls to one downstream service: the discovered endpoints and their breakers
/// (<see cref="Picker"/>), one HTTP/2 channel over them, and the invoker clients call through —
/// telemetry outermost, then resilience, then the channel.
/// </summary>
public sealed class ServiceChannel : IDisposable
{
    internal ServiceChannel(string name, ServiceEndpointPicker picker, GrpcChannel channel, ResilienceInterceptor resilience)
    {
        Name = name;
        Picker = picker;
        Channel = channel;
        Budget = resilience.Budget;
        Invoker = channel.CreateCallInvoker().Intercept(new GrpcClientTelemetryInterceptor(), resilience);
    }

    public string Name { get; }
    public ServiceEndpointPicker Picker { get; }
    public GrpcChannel Channel { get; }
    public RetryBudget Budget { get; }
    public CallInvoker Invoker { get; }

    public void Dispose()
    {
        Picker.Dispose();
        Channel.Dispose();
    }
}
