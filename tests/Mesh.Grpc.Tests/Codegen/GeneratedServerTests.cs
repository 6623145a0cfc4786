using Mesh.Grpc.Tests.Codegen.Fakes;
using Mesh.Grpc.Tests.Codegen.Proto;
using Xunit;

namespace Mesh.Grpc.Tests.Codegen;

/// <summary>The generated service base and BindService.</summary>
public class GeneratedServerTests
{
    private sealed class GetItemOnly : Catalog.CatalogBase
    {
        public override System.Threading.Tasks.Task<Item> GetItem(GetItemRequest request, ServerCallContext context) =>
            System.Threading.Tasks.Task.FromResult(new Item { Name = "got " + request.Name });
    }

    [Fact]
    public void BindService_registers_every_method_with_a_handler_of_its_kind()
    {
        var binder = new RecordingServiceBinder();

        Catalog.BindService(binder, new GetItemOnly());

        Assert.Equal(Catalog.Methods, binder.Bindings.Select(b => b.Method));
        Assert.All(binder.Bindings, b => Assert.Equal(b.Method.Type, b.HandlerKind));
        Assert.All(binder.Bindings, b => Assert.NotNull(b.Handler));
    }

    [Fact]
    public void BindService_without_an_implementation_binds_null_handlers_so_methods_can_be_enumerated()
    {
        var binder = new RecordingServiceBinder();

        Catalog.BindService(binder, null);

        Assert.Equal(6, binder.Bindings.Count);
        Assert.All(binder.Bindings, b => Assert.Null(b.Handler));
    }

    [Fact]
    public async System.Threading.Tasks.Task Bound_handler_calls_the_override()
    {
        var binder = new RecordingServiceBinder();
        Catalog.BindService(binder, new GetItemOnly());
        var handler = (UnaryServerMethod<GetItemRequest, Item>)binder.Bindings[0].Handler!;

        var reply = await handler(new GetItemRequest { Name = "a" }, new FakeServerCallContext());

        Assert.Equal("got a", reply.Name);
    }

    [Fact]
    public async System.Threading.Tasks.Task Methods_not_overridden_fail_with_UNIMPLEMENTED()
    {
        Catalog.CatalogBase service = new GetItemOnly();
        var context = new FakeServerCallContext();

        var unary = await Assert.ThrowsAsync<RpcException>(() => service.PutItem(new Item(), context));
        var serverStreaming = await Assert.ThrowsAsync<RpcException>(() => service.WatchItems(new Google.Protobuf.WellKnownTypes.Timestamp(), new ChannelStreamWriter<Item>(), context));
        var clientStreaming = await Assert.ThrowsAsync<RpcException>(() => service.UploadItems(new ChannelStreamReader<Item>(), context));
        var duplex = await Assert.ThrowsAsync<RpcException>(() => service.Chat(new ChannelStreamReader<Item>(), new ChannelStreamWriter<Item>(), context));

        Assert.All([unary, serverStreaming, clientStreaming, duplex], e => Assert.Equal(StatusCode.Unimplemented, e.StatusCode));
    }

    [Fact]
    public void Base_carries_BindServiceMethod_naming_the_generated_binder()
    {
        var attribute = (BindServiceMethodAttribute?)Attribute.GetCustomAttribute(typeof(GetItemOnly), typeof(BindServiceMethodAttribute), inherit: true);

        Assert.NotNull(attribute);
        Assert.Equal(typeof(Catalog), attribute.BindType);
        Assert.NotNull(attribute.BindType.GetMethod(attribute.BindMethodName, [typeof(ServiceBinderBase), typeof(Catalog.CatalogBase)]));
    }

    [Fact]
    public void Deprecated_rpc_is_marked_obsolete()
    {
        Assert.NotNull(typeof(Catalog.CatalogBase).GetMethod("OldPing")!.GetCustomAttributes(typeof(ObsoleteAttribute), false).SingleOrDefault());
        Assert.Empty(typeof(Catalog.CatalogBase).GetMethod("GetItem")!.GetCustomAttributes(typeof(ObsoleteAttribute), false));
    }
}
