using Google.Rpc;
using Mesh.ServiceDefaults.Tests.Proto;

namespace Mesh.ServiceDefaults.Tests.Support;

/// <summary>Answers with what it was sent, so tests see what the transcoder bound; Fail fails as asked.</summary>
public sealed class RestProbeService : RestProbe.RestProbeBase
{
    public override Task<EchoMessage> Echo(EchoMessage request, ServerCallContext context) => Task.FromResult(request);

    public override Task<Shelf> GetShelf(GetShelfRequest request, ServerCallContext context) =>
        Task.FromResult(new Shelf { Id = request.ShelfId, Theme = request.IncludeBooks ? "with books" : "" });

    public override Task<Book> CreateBook(CreateBookRequest request, ServerCallContext context) => Task.FromResult(request.Book);

    public override Task<TreeSummary> PlantTree(Node request, ServerCallContext context)
    {
        var depth = 0;
        var node = request;
        while (node.Child is not null) { node = node.Child; depth++; }
        return Task.FromResult(new TreeSummary { Depth = depth, Leaf = node.Name });
    }

    public override Task<EchoMessage> Fail(FailRequest request, ServerCallContext context)
    {
        var status = new Google.Rpc.Status { Code = request.Code, Message = request.Message };
        if (request.BadField.Length > 0)
            status.WithDetail(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = request.BadField, Description = "is bad" } } });
        throw status.ToRpcException();
    }
}
