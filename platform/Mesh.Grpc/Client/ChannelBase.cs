namespace Mesh.Grpc;

/// <summary>
/// Something calls can be made on (as Grpc.Core.ChannelBase). Generated clients accept one and
/// call through the invoker it creates.
/// </summary>
public abstract class ChannelBase
{
    protected ChannelBase(string target) => Target = target ?? throw new ArgumentNullException(nameof(target));

    /// <summary>What the channel was created for (an address, or a list of them).</summary>
    public string Target { get; }

    public abstract CallInvoker CreateCallInvoker();

    /// <summary>Stops the channel; calls still running are cancelled.</summary>
    public virtual Task ShutdownAsync() => Task.CompletedTask;
}
