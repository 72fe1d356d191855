"""The gRPC face of the generator: thin handlers over ReportGenerator."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import grpc
from aicmo.generator.v1 import generator_service_pb2 as pb
from aicmo.generator.v1 import generator_service_pb2_grpc as pb_grpc

from services.common.domain_errors import InvalidArgument, Unavailable
from services.generator.domain.packages import PACKAGES, Package
from services.generator.entrypoints.convert import (
    batch_to_proto,
    brief_from_proto,
    generation_request,
    instruction_text,
    operator_text,
    report_to_proto,
    rework_target,
    section_to_proto,
    understood_to_proto,
)
from services.generator.service_layer.generation import Completed, ReportGenerator, SectionDone, Started
from services.generator.service_layer.health import Component, HealthCheck
from services.generator.service_layer.learning_queue_admin import QueueAdmin
from services.generator.service_layer.ports import LearningQueueAdmin, MemoryHealth


def _section_infos(package: Package) -> list[pb.SectionInfo]:
    return [pb.SectionInfo(id=s.id, title=s.title) for s in package.sections]


class GeneratorServicer(pb_grpc.GeneratorServiceServicer):
    def __init__(
        self,
        generator: ReportGenerator,
        memory: MemoryHealth,
        spool: LearningQueueAdmin,
        default_deadline: float,
    ) -> None:
        self._generator = generator
        self._health = HealthCheck(memory, spool)
        self._queue = QueueAdmin(spool)
        self._default_deadline = default_deadline

    @staticmethod
    def _cancelled(context: grpc.ServicerContext) -> Callable[[], bool]:
        """True once the caller went away (cancelled, or its deadline passed): the generation stops."""
        gone = threading.Event()
        context.add_callback(gone.set)
        return lambda: gone.is_set() or not context.is_active()

    def _deadline(self, context: grpc.ServicerContext) -> float:
        # time_remaining() is None or huge when the caller set no deadline: ours applies then.
        remaining = context.time_remaining()
        budget = self._default_deadline if remaining is None else min(remaining, self._default_deadline)
        return time.monotonic() + budget

    def GenerateReport(
        self, request: pb.GenerateReportRequest, context: grpc.ServicerContext
    ) -> pb.GenerateReportResponse:
        """Generates a whole report and returns it once recorded (or queued) for learning."""
        validated = generation_request(request)
        for event in self._generator.generate(validated, self._deadline(context), self._cancelled(context)):
            if isinstance(event, Completed):
                return report_to_proto(event.report)
        raise Unavailable("generation ended without a report")

    def StreamGenerateReport(
        self, request: pb.StreamGenerateReportRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.StreamGenerateReportResponse]:
        """Streams started, each section as written, then the completed report."""
        if not request.HasField("request"):
            raise InvalidArgument("request", "is required")
        validated = generation_request(request.request, prefix="request.")
        report_id = ""
        for event in self._generator.generate(validated, self._deadline(context), self._cancelled(context)):
            if isinstance(event, Started):
                report_id = event.report_id
                yield pb.StreamGenerateReportResponse(
                    started=pb.GenerationStarted(
                        report_id=event.report_id,
                        package_key=event.package.key,
                        package_label=event.package.label,
                        sections=_section_infos(event.package),
                    )
                )
            elif isinstance(event, SectionDone):
                yield pb.StreamGenerateReportResponse(
                    section_completed=pb.SectionCompleted(
                        index=event.index,
                        total=event.total,
                        section=section_to_proto(event.section, report_id, validated.use_learning),
                    )
                )
            else:
                yield pb.StreamGenerateReportResponse(completed=report_to_proto(event.report))

    def RegenerateSection(
        self, request: pb.RegenerateSectionRequest, context: grpc.ServicerContext
    ) -> pb.RegenerateSectionResponse:
        """The report's next version with one section written again."""
        history, version, section = rework_target(request.history_id, request.version, request.section_id)
        report = self._generator.rework_section(
            history,
            version,
            section,
            self._deadline(context),
            instruction=instruction_text(request.instruction),
        )
        return pb.RegenerateSectionResponse(report=report_to_proto(report))

    def EditSection(
        self, request: pb.EditSectionRequest, context: grpc.ServicerContext
    ) -> pb.EditSectionResponse:
        """The report's next version with the operator's text for one section."""
        history, version, section = rework_target(request.history_id, request.version, request.section_id)
        markdown, note = operator_text(request.markdown, request.note)
        report = self._generator.rework_section(
            history, version, section, self._deadline(context), operator_markdown=markdown, note=note
        )
        return pb.EditSectionResponse(report=report_to_proto(report))

    def ListPackages(
        self, request: pb.ListPackagesRequest, context: grpc.ServicerContext
    ) -> pb.ListPackagesResponse:
        return pb.ListPackagesResponse(
            packages=[
                pb.Package(
                    key=p.key, label=p.label, sections=_section_infos(p), section_count=len(p.sections)
                )
                for p in PACKAGES.values()
            ]
        )

    def UnderstandBrief(
        self, request: pb.UnderstandBriefRequest, context: grpc.ServicerContext
    ) -> pb.UnderstandBriefResponse:
        """What the brief says, as every report would read it (nothing is generated or learned)."""
        if not request.HasField("client_brief"):
            raise InvalidArgument("client_brief", "is required")
        brief = brief_from_proto(request.client_brief)
        understood, _notes = self._generator.understand(brief, self._deadline(context))
        return pb.UnderstandBriefResponse(understood_brief=understood_to_proto(understood))

    def CheckHealth(
        self, request: pb.CheckHealthRequest, context: grpc.ServicerContext
    ) -> pb.CheckHealthResponse:
        """SERVING only when the generator, memory and the database all serve; else UNAVAILABLE naming them."""
        health = self._health.check()
        state = pb.SERVING_STATE_SERVING if health.serving else pb.SERVING_STATE_NOT_SERVING
        response = pb.CheckHealthResponse(
            status=pb.ServingState.Name(state).removeprefix("SERVING_STATE_"),
            state=state,
            components=[_component(c) for c in health.components],
            pending_learning=health.pending_learning,
            set_aside_learning=health.set_aside_learning,
        )
        if not health.serving:
            raise Unavailable(f"not serving: {health.problem()}", details=[response])
        return response

    def ListLearningQueue(
        self, request: pb.ListLearningQueueRequest, context: grpc.ServicerContext
    ) -> pb.ListLearningQueueResponse:
        """This replica's queued and set-aside learning batches."""
        view = self._queue.view()
        return pb.ListLearningQueueResponse(
            batches=[batch_to_proto(b) for b in view.batches],
            queued_count=view.queued,
            set_aside_count=view.set_aside,
        )

    def ReplayLearningBatch(
        self, request: pb.ReplayLearningBatchRequest, context: grpc.ServicerContext
    ) -> pb.ReplayLearningBatchResponse:
        """Re-queues a set-aside batch and tries to deliver it now."""
        replayed = self._queue.replay(request.name)
        return pb.ReplayLearningBatchResponse(
            batch=batch_to_proto(replayed.batch) if replayed.batch is not None else None,
            delivered=replayed.delivered,
        )

    def DropLearningBatch(
        self, request: pb.DropLearningBatchRequest, context: grpc.ServicerContext
    ) -> pb.DropLearningBatchResponse:
        """Deletes a batch: its report will not be learned."""
        return pb.DropLearningBatchResponse(name=self._queue.drop(request.name))


_SERVING_STATES = {
    "SERVING": pb.SERVING_STATE_SERVING,
    "NOT_SERVING": pb.SERVING_STATE_NOT_SERVING,
    "UNREACHABLE": pb.SERVING_STATE_UNREACHABLE,
    "UNKNOWN": pb.SERVING_STATE_UNKNOWN,
}


def _component(component: Component) -> pb.ComponentHealth:
    state = _SERVING_STATES.get(component.status, pb.SERVING_STATE_UNKNOWN)
    return pb.ComponentHealth(
        name=component.name,
        status=pb.ServingState.Name(state).removeprefix("SERVING_STATE_"),
        detail=component.detail,
        state=state,
    )
