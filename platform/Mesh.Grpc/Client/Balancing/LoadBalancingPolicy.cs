namespace Mesh.Grpc.Client.Balancing;

/// <summary>The load-balancing policy names a channel understands (gRPC's service-config names).</summary>
public static class LoadBalancingPolicy
{
    public const string PickFirst = "pick_first";
    public const string RoundRobin = "round_robin";

    public static IEndpointPicker CreatePicker(string? policy, IEnumerable<Uri> endpoints) => policy switch
    {
        null or PickFirst => new PickFirstPicker(endpoints),
        RoundRobin => new RoundRobinPicker(endpoints),
        _ => throw new ArgumentException($"Unknown load-balancing policy '{policy}'. Use \"{PickFirst}\" or \"{RoundRobin}\".", nameof(policy)),
    };
}
