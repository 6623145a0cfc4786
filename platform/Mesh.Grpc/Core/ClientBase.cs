namespace Mesh.Grpc;

/// <summary>Base of generated clients: holds the invoker every method calls through.</summary>
public abstract class ClientBase
{
    protected ClientBase(CallInvoker callInvoker) => CallInvoker = callInvoker ?? throw new ArgumentNullException(nameof(callInvoker));

    /// <summary>Calls through the channel's invoker (as Grpc.Core.ClientBase(ChannelBase)).</summary>
    protected ClientBase(ChannelBase channel) : this((channel ?? throw new ArgumentNullException(nameof(channel))).CreateCallInvoker()) { }

    protected CallInvoker CallInvoker { get; }
}

/// <summary>Typed base of generated clients (as Grpc.Core.ClientBase&lt;T&gt;).</summary>
public abstract class ClientBase<T> : ClientBase where T : ClientBase<T>
{
    protected ClientBase(CallInvoker callInvoker) : base(callInvoker) { }
    protected ClientBase(ChannelBase channel) : base(channel) { }
}
