using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.Compiler;
using Google.Protobuf.Reflection;
using Mesh.Grpc.Tests.Codegen.Fakes;
using Mesh.Grpc.Tests.Codegen.Proto;
using Xunit;
using Task = System.Threading.Tasks.Task;

namespace Mesh.Grpc.Tests.Codegen;

/// <summary>
/// The generator as protoc runs it: a CodeGeneratorRequest on stdin, a CodeGeneratorResponse on
/// stdout. Covers what the compiled output cannot show: file naming, namespaces of files without
/// csharp_namespace, XML-escaped doc comments, plugin options and reported errors.
/// </summary>
public class GeneratorProcessTests
{
    [Fact]
    public async Task Services_file_is_named_like_grpc_csharp_plugin_output_with_escaped_doc_comments()
    {
        var file = Parse(CodegenTestReflection.Descriptor);
        file.SourceCodeInfo = new SourceCodeInfo
        {
            Location =
            {
                new SourceCodeInfo.Types.Location { Path = { 6, 0 }, LeadingComments = " Sells <seats> & \"slots\".\n Second line.\n" },
                new SourceCodeInfo.Types.Location { Path = { 6, 0, 2, 1 }, LeadingComments = " Streams changes.\n" },
            },
        };

        var response = await RunAsync(Request([file], "codegen_test.proto"));

        Assert.Equal("", response.Error);
        var generated = Assert.Single(response.File);
        Assert.Equal("CodegenTestGrpc.cs", generated.Name);
        var code = generated.Content;
        Assert.Contains("namespace Mesh.Grpc.Tests.Codegen.Proto", code);
        Assert.Contains("/// Sells &lt;seats&gt; &amp; &quot;slots&quot;.\n", code);
        Assert.Contains("/// Second line.\n", code);
        Assert.Contains("/// Streams changes.\n", code);
        Assert.Contains("#nullable enable", code);
    }

    [Fact]
    public async Task Without_csharp_namespace_the_package_is_PascalCased_and_nested_types_go_in_Types()
    {
        var file = new FileDescriptorProto
        {
            Name = "dir/my_svc2.proto",
            Package = "shop_front.v1",
            Syntax = "proto3",
            MessageType = { new DescriptorProto { Name = "Outer", NestedType = { new DescriptorProto { Name = "inner_msg" } } } },
            Service =
            {
                new ServiceDescriptorProto
                {
                    Name = "Shop",
                    Method = { new MethodDescriptorProto { Name = "Buy", InputType = ".shop_front.v1.Outer", OutputType = ".shop_front.v1.Outer.inner_msg" } },
                },
            },
        };

        var response = await RunAsync(Request([file], "dir/my_svc2.proto"));

        var generated = Assert.Single(response.File);
        Assert.Equal("MySvc2Grpc.cs", generated.Name);
        Assert.Contains("namespace ShopFront.V1", generated.Content);
        Assert.Contains("global::ShopFront.V1.MySvc2Reflection.Descriptor.Services[0]", generated.Content);
        Assert.Contains("Method<global::ShopFront.V1.Outer, global::ShopFront.V1.Outer.Types.inner_msg>", generated.Content);
    }

    [Theory]
    [InlineData("no_client", "CatalogBase", "CatalogClient")]
    [InlineData("no_server", "CatalogClient", "CatalogBase")]
    public async Task Grpc_Tools_options_leave_out_the_client_or_the_server(string parameter, string present, string absent)
    {
        var response = await RunAsync(Request([Parse(CodegenTestReflection.Descriptor)], "codegen_test.proto", parameter));

        var code = Assert.Single(response.File).Content;
        Assert.Contains(present, code);
        Assert.DoesNotContain(absent, code);
    }

    [Fact]
    public async Task Files_without_services_produce_nothing_and_bad_input_is_reported_to_protoc()
    {
        var empty = await RunAsync(Request([], "google/protobuf/empty.proto"));
        var badOption = await RunAsync(Request([Parse(CodegenTestReflection.Descriptor)], "codegen_test.proto", "no_such_option"));

        Assert.Empty(empty.File);
        Assert.Equal("", empty.Error);
        Assert.Contains("no_such_option", badOption.Error);
        Assert.Empty(badOption.File);
    }

    private static FileDescriptorProto Parse(FileDescriptor file) => FileDescriptorProto.Parser.ParseFrom(file.SerializedData);

    /// <summary>A request as protoc builds it: every imported file first, then the files themselves.</summary>
    private static CodeGeneratorRequest Request(IEnumerable<FileDescriptorProto> files, string fileToGenerate, string parameter = "")
    {
        var request = new CodeGeneratorRequest { Parameter = parameter, FileToGenerate = { fileToGenerate } };
        foreach (var dependency in new[] { DescriptorReflection.Descriptor, Google.Protobuf.WellKnownTypes.EmptyReflection.Descriptor, Google.Protobuf.WellKnownTypes.TimestampReflection.Descriptor })
            request.ProtoFile.Add(Parse(dependency));
        request.ProtoFile.AddRange(files);
        return request;
    }

    private static async Task<CodeGeneratorResponse> RunAsync(CodeGeneratorRequest request)
    {
        var generator = RepositoryPaths.GeneratorExecutable;
        Assert.True(File.Exists(generator), $"{generator} is missing (the test project builds it as a ProjectReference).");
        var start = new ProcessStartInfo(generator) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var ct = TestContext.Current.CancellationToken;

        using (var stdin = process.StandardInput.BaseStream)
        {
            request.WriteTo(stdin);
        }
        using var stdout = new MemoryStream();
        await process.StandardOutput.BaseStream.CopyToAsync(stdout, ct);
        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.Equal(0, process.ExitCode);
        return CodeGeneratorResponse.Parser.ParseFrom(stdout.ToArray());
    }
}
