//! `PyO3` binding of `compat_core`: parses and diffs with the `GIL` released, returns frozen
//! result objects. All policy lives in the core crate; this file only converts.

use compat_core::{Bump, DiffError, DiffReport, Mode, Policy};
use pyo3::exceptions::{PyRecursionError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// One reported change.
#[pyclass(frozen, get_all, module = "compat_rs")]
struct Change {
    #[pyo3(name = "type")]
    kind: String,
    path: String,
    breaking: bool,
    message: String,
}

#[pymethods]
impl Change {
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("type", &self.kind)?;
        dict.set_item("path", &self.path)?;
        dict.set_item("breaking", self.breaking)?;
        dict.set_item("message", &self.message)?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        format!(
            "Change({} {} breaking={})",
            self.kind, self.path, self.breaking
        )
    }
}

/// The outcome of one diff.
#[pyclass(frozen, get_all, module = "compat_rs")]
struct DiffResult {
    compatible: bool,
    required_bump: &'static str,
    mode: &'static str,
    policy: &'static str,
    changes: Vec<Py<Change>>,
}

#[pymethods]
impl DiffResult {
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("compatible", self.compatible)?;
        dict.set_item("required_bump", self.required_bump)?;
        dict.set_item("mode", self.mode)?;
        dict.set_item("policy", self.policy)?;
        let changes = self
            .changes
            .iter()
            .map(|c| c.get().to_dict(py))
            .collect::<PyResult<Vec<_>>>()?;
        dict.set_item("changes", changes)?;
        Ok(dict)
    }

    fn __repr__(&self) -> String {
        format!(
            "DiffResult(compatible={}, required_bump={:?}, changes={})",
            self.compatible,
            self.required_bump,
            self.changes.len()
        )
    }
}

fn to_py_err(err: &DiffError) -> PyErr {
    match err {
        DiffError::TooDeep(_) => PyRecursionError::new_err(err.to_string()),
        _ => PyValueError::new_err(err.to_string()),
    }
}

fn wrap(py: Python<'_>, report: DiffReport, mode: Mode, policy: Policy) -> PyResult<DiffResult> {
    let changes = report
        .changes
        .into_iter()
        .map(|c| {
            Py::new(
                py,
                Change {
                    kind: c.kind.as_str().to_owned(),
                    path: c.path,
                    breaking: c.breaking,
                    message: c.message,
                },
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(DiffResult {
        compatible: report.compatible,
        required_bump: Bump::as_str(report.required_bump),
        mode: mode.as_str(),
        policy: policy.as_str(),
        changes,
    })
}

/// Diffs two documents given as JSON text; the work runs without the GIL.
#[pyfunction]
#[pyo3(signature = (old, new, mode = "BACKWARD", policy = "STRICT"))]
fn diff_json(
    py: Python<'_>,
    old: &[u8],
    new: &[u8],
    mode: &str,
    policy: &str,
) -> PyResult<DiffResult> {
    let mode_v =
        Mode::parse(mode).ok_or_else(|| PyValueError::new_err(format!("unknown mode {mode:?}")))?;
    let policy_v = Policy::parse(policy)
        .ok_or_else(|| PyValueError::new_err(format!("unknown policy {policy:?}")))?;
    let (old, new) = (old.to_vec(), new.to_vec());
    let report = py
        .detach(move || compat_core::diff_bytes(&old, &new, mode_v, policy_v))
        .map_err(|e| to_py_err(&e))?;
    wrap(py, report, mode_v, policy_v)
}

/// Validity problems of one registry document given as JSON text; `[]` when fine.
#[pyfunction]
fn check_document_json(py: Python<'_>, doc: &[u8]) -> PyResult<Vec<String>> {
    let doc = doc.to_vec();
    py.detach(move || {
        compat_core::parse_json("document", &doc).map(|v| compat_core::check_document(&v))
    })
    .map_err(|e| to_py_err(&e))
}

/// Every change type the engine can report, with its STRICT and LENIENT verdicts.
#[pyfunction]
fn change_types() -> Vec<(&'static str, bool, bool, bool)> {
    compat_core::ChangeType::ALL
        .iter()
        .map(|t| {
            (
                t.as_str(),
                t.is_breaking(Policy::Strict),
                t.is_breaking(Policy::Lenient),
                t.is_annotation(),
            )
        })
        .collect()
}

#[pymodule]
fn _compat_rs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Change>()?;
    m.add_class::<DiffResult>()?;
    m.add_function(wrap_pyfunction!(diff_json, m)?)?;
    m.add_function(wrap_pyfunction!(check_document_json, m)?)?;
    m.add_function(wrap_pyfunction!(change_types, m)?)?;
    Ok(())
}
