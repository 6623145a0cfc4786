using Mesh.Grpc.Tests.Codegen.Proto;
using Xunit;

namespace Mesh.Grpc.Tests.Codegen;

/// <summary>The method descriptors generated from Protos/codegen_test.proto.</summary>
public class GeneratedDescriptorTests
{
    [Theory]
    [InlineData("GetItem", MethodType.Unary, IdempotencyLevel.NoSideEffects)]
    [InlineData("WatchItems", MethodType.ServerStreaming, IdempotencyLevel.Unknown)]
    [InlineData("UploadItems", MethodType.ClientStreaming, IdempotencyLevel.Unknown)]
    [InlineData("Chat", MethodType.DuplexStreaming, IdempotencyLevel.Unknown)]
    [InlineData("PutItem", MethodType.Unary, IdempotencyLevel.Idempotent)]
    [InlineData("OldPing", MethodType.Unary, IdempotencyLevel.Unknown)]
    public void Each_method_has_its_proto_name_kind_and_idempotency(string name, MethodType type, IdempotencyLevel idempotency)
    {
        var method = Assert.Single(Catalog.Methods, m => m.Name == name);

        Assert.Equal("mesh.codegen_test.v1.Catalog", method.ServiceName);
        Assert.Equal("/mesh.codegen_test.v1.Catalog/" + name, method.FullName);
        Assert.Equal(type, method.Type);
        Assert.Equal(idempotency, method.IdempotencyLevel);
    }

    [Fact]
    public void Methods_lists_every_rpc_in_declaration_order()
    {
        Assert.Equal(["GetItem", "WatchItems", "UploadItems", "Chat", "PutItem", "OldPing"], Catalog.Methods.Select(m => m.Name));
        Assert.Equal("mesh.codegen_test.v1.Catalog", Catalog.__ServiceName);
    }

    [Fact]
    public void Descriptor_is_the_proto_service_with_the_same_methods()
    {
        Assert.Equal("mesh.codegen_test.v1.Catalog", Catalog.Descriptor.FullName);
        Assert.Equal(Catalog.Methods.Select(m => m.Name), Catalog.Descriptor.Methods.Select(m => m.Name));
        Assert.Equal("mesh.codegen_test.v1.Task", Proto.Task.Descriptor.FullName);
    }

    [Fact]
    public void Request_and_response_types_include_nested_and_imported_messages()
    {
        // Method<TReq,TRes> fields are statically typed: these assignments are the compile-time check,
        // the marshaller round trip the run-time one.
        Method<Google.Protobuf.WellKnownTypes.Timestamp, Item> watch = Catalog.__Method_WatchItems;
        Method<Item, Google.Protobuf.WellKnownTypes.Empty> put = Catalog.__Method_PutItem;
        Method<Item.Types.Part, Item.Types.Part> run = Proto.Task.__Method_Run;

        var part = new Item.Types.Part { Label = "seat 12" };
        var bytes = run.RequestMarshaller.SerializeToArray(part);
        Assert.Equal(part, run.ResponseMarshaller.Deserialize(new System.Buffers.ReadOnlySequence<byte>(bytes)));
        Assert.Equal(bytes.Length, run.RequestMarshaller.CalculateSize(part));
        Assert.Equal(MethodType.ServerStreaming, watch.Type);
        Assert.Equal(MethodType.Unary, put.Type);
    }
}
