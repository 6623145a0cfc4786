using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Reflection.V1;
using Mesh.Grpc.Reflection;
using Mesh.Grpc.Tests.Codegen.Fakes;
using Mesh.Grpc.Tests.Codegen.Proto;
using Xunit;
using Task = System.Threading.Tasks.Task;
using V1Alpha = Grpc.Reflection.V1Alpha;

namespace Mesh.Grpc.Tests.Codegen;

/// <summary>Server reflection (v1 and v1alpha) over the services of codegen_test.proto and health.proto.</summary>
public class ReflectionServiceTests
{
    private readonly ReflectionIndex _index = new([Catalog.Descriptor, Proto.Task.Descriptor, global::Grpc.Health.V1.Health.Descriptor]);

    private static string FileName(ByteString serialized) => FileDescriptorProto.Parser.ParseFrom(serialized).Name;

    [Fact]
    public void List_services_names_every_registered_service()
    {
        var response = new ReflectionSession(_index).Answer(new ServerReflectionRequest { ListServices = "*", Host = "h" });

        Assert.Equal(["grpc.health.v1.Health", "mesh.codegen_test.v1.Catalog", "mesh.codegen_test.v1.Task"],
            response.ListServicesResponse.Service.Select(s => s.Name));
        Assert.Equal("h", response.ValidHost);
        Assert.Equal("*", response.OriginalRequest.ListServices);
    }

    [Fact]
    public void File_by_filename_sends_the_file_then_its_transitive_imports()
    {
        var response = new ReflectionSession(_index).Answer(new ServerReflectionRequest { FileByFilename = "codegen_test.proto" });

        var names = response.FileDescriptorResponse.FileDescriptorProto.Select(FileName).ToList();
        Assert.Equal("codegen_test.proto", names[0]);
        Assert.Equal(["google/protobuf/descriptor.proto", "google/protobuf/empty.proto", "google/protobuf/timestamp.proto"], names.Skip(1).Order());
        var file = FileDescriptorProto.Parser.ParseFrom(response.FileDescriptorResponse.FileDescriptorProto[0]);
        Assert.Equal("mesh.codegen_test.v1", file.Package);
        Assert.Contains(file.Service, s => s.Name == "Catalog");
    }

    [Fact]
    public void Imports_already_sent_on_the_stream_are_not_sent_again_but_the_asked_file_always_is()
    {
        var session = new ReflectionSession(_index);
        session.Answer(new ServerReflectionRequest { FileByFilename = "codegen_test.proto" });

        var again = session.Answer(new ServerReflectionRequest { FileContainingSymbol = "mesh.codegen_test.v1.Catalog" });
        var dependency = session.Answer(new ServerReflectionRequest { FileByFilename = "google/protobuf/empty.proto" });

        Assert.Equal(["codegen_test.proto"], again.FileDescriptorResponse.FileDescriptorProto.Select(FileName));
        Assert.Equal(["google/protobuf/empty.proto"], dependency.FileDescriptorResponse.FileDescriptorProto.Select(FileName));
    }

    [Theory]
    [InlineData("mesh.codegen_test.v1.Catalog", "codegen_test.proto")]
    [InlineData("mesh.codegen_test.v1.Catalog.GetItem", "codegen_test.proto")]
    [InlineData("mesh.codegen_test.v1.Item", "codegen_test.proto")]
    [InlineData("mesh.codegen_test.v1.Item.Part", "codegen_test.proto")]
    [InlineData("mesh.codegen_test.v1.Item.parts", "codegen_test.proto")]
    [InlineData(".mesh.codegen_test.v1.UploadSummary", "codegen_test.proto")]
    [InlineData("mesh.codegen_test.v1.audit_tag", "codegen_test.proto")]
    [InlineData("google.protobuf.Timestamp", "google/protobuf/timestamp.proto")]
    [InlineData("grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto")]
    [InlineData("grpc.health.v1.HealthCheckResponse.SERVICE_UNKNOWN", "grpc/health/v1/health.proto")]
    [InlineData("grpc.health.v1.Health.Watch", "grpc/health/v1/health.proto")]
    public void File_containing_symbol_finds_the_declaring_file(string symbol, string file)
    {
        var response = new ReflectionSession(_index).Answer(new ServerReflectionRequest { FileContainingSymbol = symbol });

        Assert.Equal(ServerReflectionResponse.MessageResponseOneofCase.FileDescriptorResponse, response.MessageResponseCase);
        Assert.Equal(file, FileName(response.FileDescriptorResponse.FileDescriptorProto[0]));
    }

    [Theory]
    [InlineData("mesh.codegen_test.v1.Nope")]
    [InlineData("mesh.codegen_test.v1.Catalog.Nope")]
    [InlineData("grpc.reflection.v1.ServerReflection")]   // exists in the process, but was not registered
    public void Unknown_symbol_is_a_NOT_FOUND_error_response(string symbol)
    {
        var response = new ReflectionSession(_index).Answer(new ServerReflectionRequest { FileContainingSymbol = symbol });

        Assert.Equal((int)StatusCode.NotFound, response.ErrorResponse.ErrorCode);
        Assert.Contains(symbol, response.ErrorResponse.ErrorMessage);
        Assert.Equal(symbol, response.OriginalRequest.FileContainingSymbol);
    }

    [Fact]
    public void Unknown_file_is_a_NOT_FOUND_error_response()
    {
        var response = new ReflectionSession(_index).Answer(new ServerReflectionRequest { FileByFilename = "nope.proto" });

        Assert.Equal((int)StatusCode.NotFound, response.ErrorResponse.ErrorCode);
    }

    [Fact]
    public void Extensions_are_found_by_extendee_and_number()
    {
        var session = new ReflectionSession(_index);

        var found = session.Answer(new ServerReflectionRequest
        {
            FileContainingExtension = new ExtensionRequest { ContainingType = "google.protobuf.MethodOptions", ExtensionNumber = 50001 },
        });
        var missing = session.Answer(new ServerReflectionRequest
        {
            FileContainingExtension = new ExtensionRequest { ContainingType = "google.protobuf.MethodOptions", ExtensionNumber = 50002 },
        });
        var numbers = session.Answer(new ServerReflectionRequest { AllExtensionNumbersOfType = "google.protobuf.MethodOptions" });
        var none = session.Answer(new ServerReflectionRequest { AllExtensionNumbersOfType = "mesh.codegen_test.v1.Item" });
        var unknownType = session.Answer(new ServerReflectionRequest { AllExtensionNumbersOfType = "mesh.codegen_test.v1.Nope" });

        Assert.Equal("codegen_test.proto", FileName(found.FileDescriptorResponse.FileDescriptorProto[0]));
        Assert.Equal((int)StatusCode.NotFound, missing.ErrorResponse.ErrorCode);
        Assert.Equal("google.protobuf.MethodOptions", numbers.AllExtensionNumbersResponse.BaseTypeName);
        Assert.Equal([50001], numbers.AllExtensionNumbersResponse.ExtensionNumber);
        Assert.Empty(none.AllExtensionNumbersResponse.ExtensionNumber);
        Assert.Equal((int)StatusCode.NotFound, unknownType.ErrorResponse.ErrorCode);
    }

    [Fact]
    public void A_request_with_no_question_is_an_INVALID_ARGUMENT_error_response()
    {
        var response = new ReflectionSession(_index).Answer(new ServerReflectionRequest { Host = "h" });

        Assert.Equal((int)StatusCode.InvalidArgument, response.ErrorResponse.ErrorCode);
    }

    [Fact]
    public async Task V1_stream_answers_each_request_in_order_and_ends_with_the_requests()
    {
        var ct = TestContext.Current.CancellationToken;
        var service = new ReflectionServiceImpl(Catalog.Descriptor);
        var requests = new ChannelStreamReader<ServerReflectionRequest>();
        var responses = new ChannelStreamWriter<ServerReflectionResponse>();

        var call = service.ServerReflectionInfo(requests, responses, new FakeServerCallContext(cancellationToken: ct));
        requests.Add(new ServerReflectionRequest { ListServices = "" });
        Assert.Equal(["mesh.codegen_test.v1.Catalog"], (await responses.NextAsync(ct)).ListServicesResponse.Service.Select(s => s.Name));
        requests.Add(new ServerReflectionRequest { FileContainingSymbol = "mesh.codegen_test.v1.Item" });
        Assert.Equal("codegen_test.proto", FileName((await responses.NextAsync(ct)).FileDescriptorResponse.FileDescriptorProto[0]));
        requests.Complete();

        await call.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    [Fact]
    public async Task V1alpha_stream_gives_the_same_answers_in_its_own_messages()
    {
        var ct = TestContext.Current.CancellationToken;
        var service = new ReflectionV1AlphaServiceImpl(_index);
        var requests = new ChannelStreamReader<V1Alpha.ServerReflectionRequest>();
        var responses = new ChannelStreamWriter<V1Alpha.ServerReflectionResponse>();

        var call = service.ServerReflectionInfo(requests, responses, new FakeServerCallContext(cancellationToken: ct));
        requests.Add(new V1Alpha.ServerReflectionRequest { Host = "h", FileContainingSymbol = "grpc.health.v1.Health" });
        requests.Add(new V1Alpha.ServerReflectionRequest { FileByFilename = "missing.proto" });
        requests.Complete();

        var file = await responses.NextAsync(ct);
        var error = await responses.NextAsync(ct);
        await call.WaitAsync(TimeSpan.FromSeconds(30), ct);
        Assert.Equal("h", file.ValidHost);
        Assert.Equal("grpc.health.v1.Health", file.OriginalRequest.FileContainingSymbol);
        Assert.Equal("grpc/health/v1/health.proto", FileName(file.FileDescriptorResponse.FileDescriptorProto[0]));
        Assert.Equal((int)StatusCode.NotFound, error.ErrorResponse.ErrorCode);
    }

    [Fact]
    public void Services_are_read_when_first_needed_so_later_registrations_count()
    {
        var registered = new List<ServiceDescriptor>();
        var index = new ReflectionIndex(() => registered);
        registered.Add(Catalog.Descriptor);

        Assert.Equal(["mesh.codegen_test.v1.Catalog"], index.ServiceNames);
    }

    [Fact]
    public void A_service_descriptor_is_found_from_an_implementation_type()
    {
        Assert.Same(global::Grpc.Health.V1.Health.Descriptor, ServiceDescriptorLookup.FromServiceType(typeof(Mesh.Grpc.Health.HealthServiceImpl)));
        Assert.Same(ServerReflection.Descriptor, ServiceDescriptorLookup.FromServiceType(typeof(ReflectionServiceImpl)));
        Assert.Null(ServiceDescriptorLookup.FromServiceType(typeof(string)));
    }
}
