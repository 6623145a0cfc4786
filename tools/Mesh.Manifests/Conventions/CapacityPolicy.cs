namespace Mesh.Manifests.Conventions;

/// <summary>Requests, limits, autoscaling and storage of the base; the prod overlay raises them.</summary>
public static class CapacityPolicy
{
    /// <summary>A service at rest measured a little over 100 MB resident under `./mesh up`; 256 MiB leaves it room.</summary>
    public const string ServiceCpuRequest = "100m";
    public const string ServiceMemoryRequest = "256Mi";
    /// <summary>Memory only: a CPU limit throttles a .NET service's thread pool long before it helps a neighbour.</summary>
    public const string ServiceMemoryLimit = "512Mi";

    public const string ServerCpuRequest = "250m";
    public const string ServerMemoryRequest = "512Mi";
    public const string ServerMemoryLimit = "1Gi";
    public const string ServerStorage = "10Gi";

    /// <summary>The autoscaler's target: average CPU use against the request.</summary>
    public const int TargetCpuUtilization = 70;

    /// <summary>How far the base lets the autoscaler go above the app model's replica count.</summary>
    public static int MaxReplicas(int replicas) => Math.Max(3, replicas * 3);

    /// <summary>Production: at least two replicas of everything (a node drain or a crash never takes a service away).</summary>
    public const int ProdMinReplicas = 2;
    public const int ProdMaxReplicas = 10;
    public const string ProdServiceCpuRequest = "250m";
    public const string ProdServiceMemoryRequest = "384Mi";
    public const string ProdServiceMemoryLimit = "768Mi";
    public const string ProdServerStorage = "50Gi";

    /// <summary>Development: a laptop cluster, small requests so the whole mesh fits on one node.</summary>
    public const string DevServiceCpuRequest = "25m";
    public const string DevServiceMemoryRequest = "160Mi";
}
