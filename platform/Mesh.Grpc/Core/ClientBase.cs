namespace Mesh.Grpc;

/// <summary>Base of generated clients: holds the invoker every method calls through.</summary>
public abstract class ClientBase
{
    protected ClientBase(CallInvoker callInvoker) => CallInvoker = callInvoker ?? throw new ArgumentNullException(nameof(callInvoker));

    protected CallInvoker CallInvoker { get; }
}

/// <summary>Typed base of generated clients (as Grpc.Core.ClientBase&lt;T&gt;).</summary>
public abstract class ClientBase<T> : ClientBase where T : ClientBase<T>
{
    protected ClientBase(CallInvoker callInvoker) : base(callInvoker) { }
}
