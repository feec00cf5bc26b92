"""Data: JWST FITS keywords and the ``META.*`` names the rules use for them.

Derived once from the parkeys of every JWST rmap in a real CRDS cache
(``mappings/jwst/*.rmap``: parkey, extra_keys) plus the observatory's extra
header keys, with each FITS keyword read off the JWST core datamodel schema
(``fits_keyword`` of the PRIMARY header). crds derives the same pairs from the
schema at run time; we keep them as data so that nothing here needs
stdatamodels. Prior reference assignments (``R_DARK``...) are included so a
FITS dataset's recorded bestrefs land under their ``META.REF_FILE`` names.

Roman has no FITS datasets: its parameters always come from ASDF
(``roman.meta`` -> ``ROMAN.META.*``).
"""
from __future__ import annotations

#: META name -> FITS keyword, for the keywords the JWST rules select on.
JWST_PARAMETER_KEYWORDS: dict[str, str] = {
    "META.INSTRUMENT.NAME": "INSTRUME",
    "META.TELESCOPE": "TELESCOP",
    "META.CALIBRATION_SOFTWARE_VERSION": "CAL_VER",
    "META.EXPOSURE.READPATT": "READPATT",
    "META.EXPOSURE.TYPE": "EXP_TYPE",
    "META.EXPOSURE.START_TIME": "EXPSTART",
    "META.INSTRUMENT.BAND": "BAND",
    "META.INSTRUMENT.CHANNEL": "CHANNEL",
    "META.INSTRUMENT.CORONAGRAPH": "CORONMSK",
    "META.INSTRUMENT.DETECTOR": "DETECTOR",
    "META.INSTRUMENT.FILTER": "FILTER",
    "META.INSTRUMENT.GRATING": "GRATING",
    "META.INSTRUMENT.LAMP_STATE": "LAMP",
    "META.INSTRUMENT.MODULE": "MODULE",
    "META.INSTRUMENT.PUPIL": "PUPIL",
    "META.OBSERVATION.DATE": "DATE-OBS",
    "META.OBSERVATION.TIME": "TIME-OBS",
    "META.SUBARRAY.NAME": "SUBARRAY",
    "META.SUBARRAY.XSIZE": "SUBSIZE1",
    "META.SUBARRAY.XSTART": "SUBSTRT1",
    "META.SUBARRAY.YSIZE": "SUBSIZE2",
    "META.SUBARRAY.YSTART": "SUBSTRT2",
    "META.VISIT.TSOVISIT": "TSOVISIT",
}

#: Parkeys of real JWST rmaps that have no FITS keyword in the core schema
#: (they only ever arrive under their META name, from the archive or ASDF).
JWST_META_ONLY: tuple[str, ...] = (
    "META.INSTRUMENT.EXP_TYPE",
    "META.INSTRUMENT.GRATING14",
    "META.INSTRUMENT.GRATINGA",
    "META.INSTRUMENT.GRATINGB",
)

#: Reference types whose prior assignment sits in ``R_<abbrev>`` / ``META.REF_FILE.<TYPE>.NAME``.
JWST_REFERENCE_KEYWORDS: dict[str, str] = {
    "AREA": "R_AREA", "BADSHUTTER": "R_MSAOPE", "BARSHADOW": "R_BARSHA", "BKG": "R_BKG",
    "CAMERA": "R_CAMERA", "CHROMCORR": "R_CHRCOR", "COLLIMATOR": "R_COLLIM", "CUBEPAR": "R_CUBPAR",
    "DARK": "R_DARK", "DFLAT": "R_DFLAT", "DISPERSER": "R_DISPER", "DISTORTION": "R_DISTOR",
    "EMICORR": "R_MIREMI", "EXTRACT1D": "R_EXTR1D", "FFLAT": "R_FFLAT", "FILTEROFFSET": "R_FILOFF",
    "FLAT": "R_FLAT", "FORE": "R_FORE", "FPA": "R_FPA", "FRINGE": "R_FRINGE",
    "FRINGEFREQ": "R_FRIFRQ", "GAIN": "R_GAIN", "IFUFORE": "R_IFUFOR", "IFUPOST": "R_IFUPOS",
    "IFUSLICER": "R_IFUSLI", "IPC": "R_IPC", "LASTFRAME": "R_LASTFR", "LINEARITY": "R_LINEAR",
    "MASK": "R_MASK", "MRSPTCORR": "R_MRSPT", "MRSXARTCORR": "R_MRSXAR", "MSA": "R_MSA",
    "NRM": "R_NRM", "OTE": "R_OTE", "PASTASOSS": "R_PSTSOS", "PATHLOSS": "R_PTHLOS",
    "PERSAT": "R_PERSAT", "PHOTOM": "R_PHOTOM", "PSFMASK": "R_PSFMAS", "READNOISE": "R_READNO",
    "REFPIX": "R_REFPIX", "REGIONS": "R_REGION", "RESAMPLE": "R_RESAMP", "RESET": "R_RESET",
    "RESOLUTION": "R_RESOL", "RSCD": "R_RSCD", "SATURATION": "R_SATURA", "SFLAT": "R_SFLAT",
    "SIRSKERNEL": "R_SIRSKL", "SPECKERNEL": "R_SPKERN", "SPECPROFILE": "R_SPPROF",
    "SPECTRACE": "R_SPTRAC", "SPECWCS": "R_SPCWCS", "STRAYLIGHT": "R_STRAY", "SUPERBIAS": "R_SUPERB",
    "THROUGHPUT": "R_THRPUT", "TRAPDENSITY": "R_TRPDEN", "TRAPPARS": "R_TRPPAR",
    "TSO_PHOTOMETRY": "R_TSPHOT", "V2V3": "R_V2V3", "WAVECORR": "R_WAVCOR",
    "WAVELENGTHRANGE": "R_WAVRAN", "WAVEMAP": "R_WAVMAP",
}
